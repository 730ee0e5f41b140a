// Stan-style JSON data (host/io/json_data.hpp): values read back exactly, and every kind of
// bad input refused with its exact one-line message.
#include "host/io/json_data.hpp"
#include "tests/input_error_of.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace lockstep {
namespace {

/// Writes `text` to a fresh file under the test temp directory and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "lockstep_json_data_test_" + name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

std::unique_ptr<DataSource> parse_json(const std::string& text) { return parse_json_data(text, "d.json"); }

TEST(JsonData, ReadsEightSchoolsFile) {
  const std::string path = std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json";
  auto d = load_json_data(path);
  EXPECT_EQ(d->origin(), path);
  EXPECT_TRUE(d->has("J"));
  EXPECT_FALSE(d->has("tau"));
  EXPECT_EQ(d->get_int("J"), 8);
  EXPECT_EQ(d->get_reals("y"), (std::vector<double>{28, 8, -3, 7, -1, 1, 18, 12}));
  EXPECT_EQ(d->get_ints("sigma"), (std::vector<long>{15, 10, 16, 11, 9, 11, 10, 18}));
}

TEST(JsonData, ScalarsArraysAndRowMajorMatrices) {
  auto d = parse_json(R"({"a": 2.5, "n": -3, "e": [], "v": [1, -2.25, 1e-300, 3],
                     "M": [[1, 2, 3], [4, 5, 6]],
                     "T": [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]],
                     "Z": [[], []]})");
  EXPECT_EQ(d->get_reals("a"), std::vector<double>{2.5});  // a scalar reads as length 1
  EXPECT_EQ(d->get_int("n"), -3);
  EXPECT_EQ(d->get_ints("n"), std::vector<long>{-3});
  EXPECT_TRUE(d->get_reals("e").empty());
  EXPECT_TRUE(d->get_reals("Z").empty());
  EXPECT_EQ(d->get_reals("v"), (std::vector<double>{1, -2.25, 1e-300, 3}));
  EXPECT_EQ(d->get_reals("M"), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  std::vector<long> t(12);
  for (int i = 0; i < 12; ++i) t[i] = i + 1;
  EXPECT_EQ(d->get_ints("T"), t);
}

TEST(JsonData, RealsRoundTripExactly) {
  // 17 significant digits identify a double; the parser must give back the same bits.
  auto d = parse_json(R"({"x": [0.10000000000000001, 2.2250738585072014e-308, 1.7976931348623157e308,
                           -0.33333333333333331, 4.9406564584124654e-324]})");
  const std::vector<double> x = d->get_reals("x");
  ASSERT_EQ(x.size(), 5u);
  EXPECT_EQ(x[0], 0.1);
  EXPECT_EQ(x[1], 2.2250738585072014e-308);
  EXPECT_EQ(x[2], 1.7976931348623157e308);
  EXPECT_EQ(x[3], -1.0 / 3.0);
  EXPECT_EQ(x[4], 4.9406564584124654e-324);
}

TEST(JsonData, IntegersWrittenAsWholeRealsAreAccepted) {
  auto d = parse_json(R"({"J": 8.0, "K": -2e3, "v": [1.0, 2, 3e0], "big": 9007199254740993})");
  EXPECT_EQ(d->get_int("J"), 8);
  EXPECT_EQ(d->get_int("K"), -2000);
  EXPECT_EQ(d->get_ints("v"), (std::vector<long>{1, 2, 3}));
  EXPECT_EQ(d->get_int("big"), 9007199254740993L);  // 2^53 + 1: read as an integer, not a double
}

TEST(JsonData, MissingFile) {
  const std::string path = ::testing::TempDir() + "lockstep_json_data_test_no_such_file.json";
  std::remove(path.c_str());
  EXPECT_EQ(testing::input_error_of([&] { load_json_data(path); }),
            path + ": cannot open file (No such file or directory)");
}

TEST(JsonData, DirectoryIsNotAFile) {
  const std::string dir = std::string(LOCKSTEP_SOURCE_DIR) + "/data";
  EXPECT_EQ(testing::input_error_of([&] { load_json_data(dir); }), dir + ": is a directory, expected a JSON file");
}

TEST(JsonData, MalformedJsonGivesLineAndColumn) {
  const std::string path = write_temp("malformed.json", "{\n  \"J\": 8,\n  \"y\": [1, 2,, 3]\n}\n");
  EXPECT_EQ(testing::input_error_of([&] { load_json_data(path); }),
            path + ": malformed JSON at line 3, column 14: syntax error while parsing value - "
                   "unexpected ','; expected '[', '{', or a literal");
}

// The text after "column C: " is nlohmann's (3.11); the line and column are the contract.
TEST(JsonData, MalformedJsonCases) {
  EXPECT_EQ(testing::input_error_of([] { parse_json(""); }),
            "d.json: malformed JSON at line 1, column 1: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(testing::input_error_of([] { parse_json("{\"J\": 8"); }),
            "d.json: malformed JSON at line 1, column 8: syntax error while parsing object - "
            "unexpected end of input; expected '}'");
  EXPECT_EQ(testing::input_error_of([] { parse_json("{\"J\": 8} 9"); }),
            "d.json: malformed JSON at line 1, column 10: syntax error while parsing value - "
            "unexpected number literal; expected end of input");
  // A bare NaN is not JSON (CmdStan writes the string "NaN").
  EXPECT_EQ(testing::input_error_of([] { parse_json("{\"x\": NaN}"); }),
            "d.json: malformed JSON at line 1, column 7: syntax error while parsing value - "
            "invalid literal; last read: '\"x\": N'");
  EXPECT_EQ(testing::input_error_of([] { parse_json("{\"x\": 1e400}"); }),
            "d.json: malformed JSON: number overflow parsing '1e400'");
}

TEST(JsonData, MessagesStayOnOneLine) {
  const std::string msg = testing::input_error_of([] { parse_json("{\"x\": 1,\n\"y\": \"a\nb\"}"); });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("d.json: malformed JSON at line 3, column 0: ", 0), 0u) << msg;
}

TEST(JsonData, TopLevelMustBeAnObject) {
  EXPECT_EQ(testing::input_error_of([] { parse_json("[1, 2]"); }),
            "d.json: expected a JSON object at the top level, found an array");
  EXPECT_EQ(testing::input_error_of([] { parse_json("3"); }),
            "d.json: expected a JSON object at the top level, found a number");
}

TEST(JsonData, MissingField) {
  auto d = parse_json(R"({"J": 8})");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("K"); }), "d.json: field 'K': missing");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("y"); }), "d.json: field 'y': missing");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("y"); }), "d.json: field 'y': missing");
}

TEST(JsonData, WrongTypes) {
  auto d = parse_json(R"({"a": [1, 2], "s": "abc", "b": true, "o": {"x": 1},
                     "v": [1, "two", 3], "w": [1, false], "u": [[1], {"x": 2}]})");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("a"); }), "d.json: field 'a': expected an integer, found an array");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("s"); }), "d.json: field 's': expected an integer, found a string");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("b"); }), "d.json: field 'b': expected an integer, found a boolean");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("o"); }), "d.json: field 'o': expected an integer, found an object");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("s"); }), "d.json: field 's': expected a number, found a string");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("o"); }),
            "d.json: field 'o': expected a number or an array of numbers, found an object");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("v"); }),
            "d.json: field 'v': value 2 is a string, expected a number");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("w"); }),
            "d.json: field 'w': value 2 is a boolean, expected a number");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("u"); }),
            "d.json: field 'u': ragged array: [2] is an object, expected an array of length 1");
}

TEST(JsonData, RaggedArrays) {
  auto d = parse_json(R"({"r": [[1, 2, 3], [4, 5]], "s": [1, [2]], "t": [[1, 2], 3], "q": [[1], [[2]]]})");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("r"); }),
            "d.json: field 'r': ragged array: [2] is an array of length 2, expected an array of length 3");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("s"); }),
            "d.json: field 's': ragged array: [2] is an array, expected a number");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("t"); }),
            "d.json: field 't': ragged array: [2] is a number, expected an array of length 2");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("q"); }),
            "d.json: field 'q': ragged array: [2,1] is an array, expected a number");
}

TEST(JsonData, NonIntegers) {
  auto d = parse_json(R"({"J": 8.5, "v": [1, 2, 3.25], "M": [[1, 2], [3, 0.5]], "h": 1e19,
                     "u": 18446744073709551615})");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("J"); }), "d.json: field 'J': value is not an integer (8.5)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("v"); }), "d.json: field 'v': value 3 is not an integer (3.25)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("M"); }), "d.json: field 'M': value [2,2] is not an integer (0.5)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("h"); }), "d.json: field 'h': value is out of range (1e+19)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("u"); }),
            "d.json: field 'u': value is out of range (18446744073709551615)");
  EXPECT_EQ(d->get_reals("J"), std::vector<double>{8.5});
}

TEST(JsonData, NonFiniteValuesAreRefused) {
  auto d = parse_json(R"({"y": [1, 2, "NaN", 4], "z": ["inf"], "m": [[1, 2], [3, "-Inf"]],
                     "n": [1, null], "s": "Infinity", "k": "-inf", "i": null,
                     "nm": [[1, null]]})");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("y"); }), "d.json: field 'y': value 3 is not finite (NaN)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("y"); }), "d.json: field 'y': value 3 is not finite (NaN)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("z"); }), "d.json: field 'z': value 1 is not finite (inf)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("m"); }), "d.json: field 'm': value [2,2] is not finite (-Inf)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("n"); }), "d.json: field 'n': value 2 is not finite (null)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("nm"); }), "d.json: field 'nm': value [1,2] is not finite (null)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("s"); }), "d.json: field 's': value is not finite (Infinity)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("k"); }), "d.json: field 'k': value is not finite (-inf)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("i"); }), "d.json: field 'i': value is not finite (null)");
}

TEST(JsonData, ValidatingHelpersUseTheOrigin) {
  auto d = parse_json(R"({"J": 0, "sigma": [1, 0, 2]})");
  EXPECT_EQ(testing::input_error_of([&] { d->positive_int("J"); }), "d.json: field 'J': must be a positive integer, found 0");
  EXPECT_EQ(testing::input_error_of([&] { d->reals_of_size("sigma", 4); }),
            "d.json: field 'sigma': expected 4 values, found 3");
  EXPECT_EQ(testing::input_error_of([&] { d->positive_reals_of_size("sigma", 3); }),
            "d.json: field 'sigma': value 2 is 0, must be positive");
}

}  // namespace
}  // namespace lockstep
