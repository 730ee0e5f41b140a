// The glmm design against R: for 26 formulas (treatment contrasts, indicator coding without an
// intercept, numeric and categorical interactions, a*b, a/b, (a+b+c)^2, factor(), varying-effect
// terms with their own design and crossed grouping factors), the fixed design equals R's
// model.matrix, and each varying-effect term's design and grouping levels equal what lme4 builds
// (tests/fixtures/glmm/model_matrix.json, made by scripts/make_glmm_fixtures.R with R 4.2 and
// lme4 1.1-31). The formula grammar's expansion and its syntax errors are checked here too.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/io/csv_data.hpp"
#include "models/glmm/design.hpp"
#include "models/glmm/formula.hpp"

namespace lockstep {
namespace {

using namespace models::glmm;

nlohmann::json fixture(const std::string& name) {
  std::ifstream in(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

void expect_matrix(const DesignColumns& got, const nlohmann::json& want, const std::string& what) {
  const auto names = want["names"].get<std::vector<std::string>>();
  ASSERT_EQ(got.r_names, names) << what;
  const auto& rows = want["matrix"];
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < names.size(); ++j)
      ASSERT_NEAR(got.values[j][i], rows[i][j].get<double>(), 1e-12) << what << " row " << i << " column " << names[j];
  for (std::size_t j = 0; j < names.size(); ++j) EXPECT_EQ(got.names[j], brms_name(names[j]));
}

TEST(GlmmDesign, EqualsRsModelMatrixAndLme4sTerms) {
  const nlohmann::json f = fixture("model_matrix.json");
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/" + f["data"].get<std::string>());
  ASSERT_GE(f["cases"].size(), 20u);
  int categorical = 0, interactions = 0, no_intercept = 0;
  for (const auto& c : f["cases"]) {
    const std::string text = c["formula"];
    SCOPED_TRACE(text);
    const Formula formula = parse_formula(text);
    const Design d = build_design(formula, *data, false);
    expect_matrix(d.fixed, c["fixed"], text + " (fixed)");
    ASSERT_EQ(d.blocks.size(), c["bars"].size());
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      const auto& want = c["bars"][b];
      EXPECT_EQ(d.blocks[b].group, want["group"].get<std::string>());
      EXPECT_EQ(d.blocks[b].labels, want["levels"].get<std::vector<std::string>>());
      expect_matrix(d.blocks[b].effects, want["effects"], text + " (term of " + d.blocks[b].group + ")");
      const auto level = want["level_of_row"].get<std::vector<int>>();
      for (std::size_t i = 0; i < level.size(); ++i) EXPECT_EQ(d.blocks[b].level[i] + 1, level[i]) << "row " << i;
    }
    bool cat = false, inter = false;
    for (const auto& n : d.fixed.r_names) {
      cat = cat || n.find("f") == 0 || n.find(":f") != std::string::npos || n.find("h") == 0;
      inter = inter || n.find(':') != std::string::npos;
    }
    categorical += cat;
    interactions += inter;
    no_intercept += !d.intercept;
  }
  EXPECT_GE(categorical, 10);
  EXPECT_GE(interactions, 8);
  EXPECT_GE(no_intercept, 6);
}

TEST(GlmmDesign, FormulaExpansion) {
  auto labels = [](const std::string& text) {
    const Formula f = parse_formula(text);
    std::string s = f.fixed.intercept ? "1" : "0";
    for (const Term& t : f.fixed.terms) s += " + " + term_label(f.fixed, t);
    for (const BarTerm& b : f.bars) {
      s += " + (" + std::string(b.effects.intercept ? "1" : "0");
      for (const Term& t : b.effects.terms) s += " + " + term_label(b.effects, t);
      s += " | " + b.group_name + ")";
    }
    return s;
  };
  EXPECT_EQ(labels("y ~ a*b*c"), "1 + a + b + c + a:b + a:c + b:c + a:b:c");
  EXPECT_EQ(labels("y ~ (a + b):c"), "1 + a:c + b:c");
  EXPECT_EQ(labels("y ~ a*b - a:b"), "1 + a + b");
  EXPECT_EQ(labels("y ~ 0 + a + 1"), "1 + a");
  EXPECT_EQ(labels("y ~ a - 1"), "0 + a");
  EXPECT_EQ(labels("y ~ a + a + a:a"), "1 + a");
  EXPECT_EQ(labels("y ~ (x | g)"), "1 + (1 + x | g)");
  EXPECT_EQ(labels("y ~ x + (0 + x || g)"), "1 + x + (0 + x | g)");
  EXPECT_EQ(labels("y ~ 0 + (1 | g1/g2)"), "0 + (1 | g1) + (1 | g1:g2)");
  EXPECT_EQ(labels("y ~ `odd name` + factor(k)"), "1 + odd name + factor(k)");
  EXPECT_EQ(labels("y ~ (1 | a:b) + x - 1"), "0 + x + (1 | a:b)");
}

TEST(GlmmDesign, SyntaxErrorsEchoTheFormulaWithThePositionMarked) {
  auto error = [](const std::string& text) {
    try {
      parse_formula(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("y ~ x +"), "--formula: expected a term at character 8 (marked >>): y ~ x +>>");
  EXPECT_EQ(error("y ~ x + )"), "--formula: unexpected ')' at character 9 (marked >>): y ~ x + >>)");
  EXPECT_EQ(error("y ~ (1 | g"), "--formula: expected ')' to close the varying-effect term at character 11 (marked >>): y ~ (1 | g>>");
  EXPECT_EQ(error("y x"), "--formula: expected '~' after the response at character 3 (marked >>): y >>x");
  EXPECT_EQ(error("y ~ log(x)"), "--formula: function 'log' is not supported (columns, factor(column), offset(column) and offset(log(column)) are) at character 5 (marked >>): y ~ >>log(x)");
  EXPECT_EQ(error("y ~ x # z"), "--formula: unexpected character '#' at character 7 (marked >>): y ~ x >>" "# z");
  EXPECT_EQ(error("y ~ x:(1 | g)"), "--formula: a varying-effect term (... | g) cannot be in an interaction at character 7 (marked >>): y ~ x:>>(1 | g)");
  EXPECT_EQ(error("y ~ x + 2"), "--formula: a number in a formula can only be 0 or 1 (the intercept) at character 9 (marked >>): y ~ x + >>2");
  EXPECT_EQ(error("~ x"), "--formula: expected the response (a column name) before '~' at character 1 (marked >>): >>~ x");
  // The response on the right-hand side (R drops it with a warning): refused, not dropped.
  EXPECT_EQ(error("y ~ y + x"), "--formula: 'y' is the response and cannot also appear on the right-hand side: y ~ y + x");
  EXPECT_EQ(error("y ~ x + (1 + y | g)"),
            "--formula: 'y' is the response and cannot also appear on the right-hand side: y ~ x + (1 + y | g)");
  EXPECT_EQ(error("y ~ x + (1 | y)"), "--formula: 'y' is the response and cannot also appear on the right-hand side: y ~ x + (1 | y)");
  EXPECT_EQ(error("y | trials(n) ~ n + (1 | g)"), "no error");  // the trials column may be a predictor
}

TEST(GlmmDesign, LevelsSortNumericallyForNumbersAndByBytesForText) {
  auto src = parse_csv_table("y,k,t\n1,10,b\n2,2,B\n3,1,a\n4,2,b\n", "t.csv");
  const Design d = build_design(parse_formula("y ~ 0 + factor(k) + t"), *src, false);
  EXPECT_EQ(d.fixed.r_names, (std::vector<std::string>{"factor(k)1", "factor(k)2", "factor(k)10", "ta", "tb"}));
  const Design g = build_design(parse_formula("y ~ (1 | t)"), *src, false);
  EXPECT_EQ(g.blocks[0].labels, (std::vector<std::string>{"B", "a", "b"}));
}

TEST(GlmmDesign, BadInputIsOneLineNamingFileRowAndColumn) {
  auto error = [](const std::string& csv, const std::string& formula, bool drop = false) {
    try {
      auto src = parse_csv_table(csv, "d.csv");
      build_design(parse_formula(formula), *src, drop);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string ok = "y,x,g\n1,0.5,a\n2,1.5,b\n3,2.5,a\n";
  EXPECT_EQ(error(ok, "y ~ x + (1 | county)"), "d.csv: --formula: no column 'county' (columns: y, x, g)");
  EXPECT_EQ(error("y,x,g\n1,0.5,a\n2,abc,b\n3,2.5,a\n", "y ~ x"),
            "d.csv: line 3, column 'x': 'abc' is not a number (a numeric column; write factor(x) to use it as a factor)");
  EXPECT_EQ(error("y,x\n1,2\n2,abc\n", "y ~ x"),
            "d.csv: line 3, column 'x': 'abc' is not a number (a numeric column; write factor(x) to use it as a factor)");
  EXPECT_EQ(error("y,x\n1,2\n2,abc\n3,2\n", "y ~ factor(x)"), "no error");
  EXPECT_EQ(error("y,x,g\n1,0.5,a\nabc,1,b\n3,2.5,a\n", "y ~ x"),
            "d.csv: line 3, column 'y': 'abc' is not a number (the response must be numeric)");
  EXPECT_EQ(error("y,x,g\n1,0.5,a\n2,1.5,a\n", "y ~ x + (1 | g)"),
            "--formula: grouping factor 'g' has only one level ('a'); a varying effect needs at least 2");
  EXPECT_EQ(error("y,x,g\n1,,a\n2,NA,b\n3,2.5,\n", "y ~ x + (1 | g)"),
            "d.csv: 3 rows have missing values (column 'x': 2 rows, first at line 2, column 'g': 1 row, first at "
            "line 4); give --set na=drop to drop such rows");
  EXPECT_EQ(error("y,x,g\n1,,a\n2,1,b\n3,2.5,a\n", "y ~ x + g", true), "no error");
  auto src = parse_csv_table("y,x,g\n1,,a\n2,1,b\n3,2.5,a\n4,2,b\n", "d.csv");
  const Design d = build_design(parse_formula("y ~ x + (1 | g)"), *src, true);
  EXPECT_EQ(d.rows_dropped, 1);
  EXPECT_EQ(d.y, (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(d.dropped_note, "1 row with missing values dropped (column 'x': 1 row, first at line 2)");
  EXPECT_EQ(error("y,x,g\n", "y ~ x"), "d.csv: no data rows");
  // A column the formula does not use may hold anything.
  EXPECT_EQ(error("y,x,notes\n1,2,NA\n2,3,hello\n", "y ~ x"), "no error");
}

}  // namespace
}  // namespace lockstep
