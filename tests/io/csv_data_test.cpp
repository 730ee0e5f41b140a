// Column-oriented CSV data (host/io/csv_data.hpp): columns read back exactly (data/peak.csv
// against data/peak.json), the row count as "N", quoting, comments, CRLF, and every kind of
// bad input refused with its exact one-line message naming the file, line and column.
#include "host/io/csv_data.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "host/io/json_data.hpp"
#include "tests/input_error_of.hpp"

namespace lockstep {
namespace {

std::unique_ptr<DataSource> parse_csv(const std::string& text) { return parse_csv_data(text, "d.csv"); }

TEST(CsvData, PeakCsvEqualsPeakJson) {
  const std::string dir = std::string(LOCKSTEP_SOURCE_DIR) + "/data/";
  auto csv = load_csv_data(dir + "peak.csv");
  auto json = load_json_data(dir + "peak.json");
  EXPECT_EQ(csv->origin(), dir + "peak.csv");
  EXPECT_EQ(csv->get_int("N"), 40);
  EXPECT_EQ(csv->get_int("N"), json->get_int("N"));
  for (const char* f : {"x", "y", "y_err"}) {
    EXPECT_TRUE(csv->has(f));
    EXPECT_EQ(csv->get_reals(f), json->get_reals(f)) << f;  // the same decimal strings, bit for bit
  }
  EXPECT_TRUE(csv->has("N"));
  EXPECT_FALSE(csv->has("z"));
}

TEST(CsvData, QuotesCommentsBlankLinesAndCrlf) {
  auto d = parse_csv("# a comment\r\n\"x\", \"y err\" ,k\r\n\r\n1.5, -2e-3 ,\"3\"\r\n# another\r\n  0.25,7,4\r\n");
  EXPECT_EQ(d->get_reals("x"), (std::vector<double>{1.5, 0.25}));
  EXPECT_EQ(d->get_reals("y err"), (std::vector<double>{-2e-3, 7}));
  EXPECT_EQ(d->get_ints("k"), (std::vector<long>{3, 4}));
  EXPECT_EQ(d->get_int("N"), 2);
  EXPECT_EQ(d->get_reals("N"), (std::vector<double>{2}));
  // a column named N is the field N
  auto n = parse_csv("N,x\n5,1\n");
  EXPECT_EQ(n->get_int("N"), 5);
  // a header with no rows: empty columns, N = 0
  auto empty = parse_csv("a,b\n");
  EXPECT_EQ(empty->get_int("N"), 0);
  EXPECT_TRUE(empty->get_reals("a").empty());
}

TEST(CsvData, RefusesBadInputWithFileLineAndColumn) {
  EXPECT_EQ(testing::input_error_of([] { load_csv_data("/nonexistent/peak.csv"); }),
            "/nonexistent/peak.csv: cannot open file (No such file or directory)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv(""); }), "d.csv: no header row (the file has no column names)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("# only comments\n\n"); }), "d.csv: no header row (the file has no column names)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,,y\n"); }), "d.csv: line 1: column 2: empty column name");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y,x\n"); }), "d.csv: line 1: column 3: duplicate column name 'x'");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,2\n3\n"); }), "d.csv: line 3: 1 cell, expected 2 (as many as the header has columns)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,2,3\n"); }), "d.csv: line 2: 3 cells, expected 2 (as many as the header has columns)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,abc\n"); }), "d.csv: line 2, column 2 ('y'): 'abc' is not a number");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,2.5.1\n"); }), "d.csv: line 2, column 2 ('y'): '2.5.1' is not a number");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,\n"); }), "d.csv: line 2, column 2 ('y'): empty cell, expected a number");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\nnan,1\n"); }), "d.csv: line 2, column 1 ('x'): value is not finite (nan)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,-inf\n"); }), "d.csv: line 2, column 2 ('y'): value is not finite (-inf)");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,1e999\n"); }), "d.csv: line 2, column 2 ('y'): value is not finite (1e999)");
  // C's strtod reads hexadecimal: "0x10" would be 16, which no data file means.
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,y\n1,0x10\n"); }), "d.csv: line 2, column 2 ('y'): '0x10' is not a number");
  EXPECT_EQ(testing::input_error_of([] { parse_csv("x,\"y\n"); }), "d.csv: line 1: column 2: unclosed quote");
  auto d = parse_csv("x,k\n1,2\n# c\n3,4.5\n");
  EXPECT_EQ(testing::input_error_of([&] { d->get_reals("z"); }), "d.csv: field 'z': missing (columns: x, k)");
  EXPECT_EQ(testing::input_error_of([&] { d->get_ints("k"); }), "d.csv: field 'k': value 2 (line 4) is 4.5, expected an integer");
  EXPECT_EQ(testing::input_error_of([&] { d->get_int("x"); }), "d.csv: field 'x': expected an integer, found a column of 2 values");
}

TEST(CsvData, LoadDataFileChoosesByExtension) {
  const std::string dir = std::string(LOCKSTEP_SOURCE_DIR) + "/data/";
  EXPECT_EQ(load_data_file(dir + "peak.csv")->get_int("N"), 40);
  EXPECT_EQ(load_data_file(dir + "peak.json")->get_int("N"), 40);
  const std::string upper = ::testing::TempDir() + "lockstep_csv_data_test.CSV";
  {
    std::ofstream out(upper);
    out << "a\n1\n2\n";
  }
  EXPECT_EQ(load_data_file(upper)->get_int("N"), 2);
}

}  // namespace
}  // namespace lockstep

namespace lockstep {
namespace {

// Tables (DataSource::column): text and missing cells are read as such by the table reader,
// with the line of each row for messages; the numeric accessors refuse them with the strict
// reader's messages; JSON arrays of numbers, strings and null are columns too.
TEST(CsvTable, TextAndMissingCells) {
  auto t = parse_csv_table("y,county,x\n1.5,AITKIN,\n2,\"ST LOUIS\",NA\n# c\n3,3,nan\n", "t.csv");
  EXPECT_EQ(t->column_names(), (std::vector<std::string>{"y", "county", "x"}));
  EXPECT_TRUE(t->has_column("county"));
  EXPECT_FALSE(t->has_column("N"));
  const TableColumn c = t->column("county");
  EXPECT_EQ(c.text, (std::vector<std::string>{"AITKIN", "ST LOUIS", "3"}));
  EXPECT_EQ(c.cell, (std::vector<unsigned char>{TableColumn::kText, TableColumn::kText, TableColumn::kNumber}));
  EXPECT_TRUE(c.numeric()) << "a number among text: a numeric column with text typos";
  EXPECT_FALSE(parse_csv_table("g\na\nTRUE\n", "g.csv")->column("g").numeric());
  EXPECT_EQ(t->column("x").count(TableColumn::kMissing), 3);
  EXPECT_TRUE(t->column("y").numeric());
  EXPECT_EQ(t->row_label(2), "line 5");
  EXPECT_EQ(t->get_reals("y"), (std::vector<double>{1.5, 2, 3}));
  EXPECT_EQ(testing::input_error_of([&] { t->get_reals("county"); }), "t.csv: line 2, column 2 ('county'): 'AITKIN' is not a number");
  EXPECT_EQ(testing::input_error_of([&] { t->get_reals("x"); }), "t.csv: line 2, column 3 ('x'): empty cell, expected a number");
  EXPECT_EQ(testing::input_error_of([&] { parse_csv_data("y,county\n1,AITKIN\n", "s.csv"); }),
            "s.csv: line 2, column 2 ('county'): 'AITKIN' is not a number");
  auto j = parse_json_data(R"({"N": 3, "g": ["a", "b", null], "y": [1, 2.5, "NA"]})", "j.json");
  EXPECT_EQ(j->column_names(), (std::vector<std::string>{"g", "y"}));
  const TableColumn g = j->column("g");
  EXPECT_EQ(g.cell, (std::vector<unsigned char>{TableColumn::kText, TableColumn::kText, TableColumn::kMissing}));
  EXPECT_EQ(j->column("y").value[1], 2.5);
  EXPECT_EQ(j->column("y").cell[2], TableColumn::kMissing);
  EXPECT_EQ(j->row_label(1), "value 2");
}

}  // namespace
}  // namespace lockstep
