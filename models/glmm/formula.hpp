#pragma once
// The glmm family's formula language (host only): lme4 / brms syntax, expanded into terms the
// way R's terms.formula does, so that the design (models/glmm/design.hpp) equals R's
// model.matrix column for column.
//
//   formula   := response ['|' 'trials' '(' (column | integer) ')'] '~' rhs
//                                                  successes | trials(n) ~ ...: the binomial
//                                                  family's trials column, or one number of
//                                                  trials for every row (brms's syntax)
//   rhs       := ['-'] sum
//   sum       := product (('+' | '-') product)*
//   product   := inter (('*' | '/') inter)*          a*b = a + b + a:b;  a/b = a + a:b
//   inter     := power (':' power)*                  a:b, the interaction (products of columns)
//   power     := atom ['^' integer]                  (a + b + c)^2: all interactions up to order 2
//   atom      := column | factor(column) | '0' | '1' | '(' sum ')' | '(' sum ('|' | '||') group ')'
//              | 'offset' '(' column ')' | 'offset' '(' 'log' '(' column ')' ')'
//                                                  a known term added to the linear predictor
//                                                  with coefficient 1 (lme4/brms): a summand of
//                                                  the top-level sum only; several add up
//   group     := column (':' column)* ['/' column ...]   (1 | g1:g2): the crossed factor;
//                                                      (1 | g1/g2) = (1 | g1) + (1 | g1:g2)
//   column    := a name [A-Za-z._][A-Za-z0-9._]* or a `backquoted name`
//
// Intercept: present unless the formula says '0 +', '+ 0' or '- 1' ('1 +' or '- 0' put it
// back; the last word wins, as in R). A varying-effect term (... | g) has its own intercept
// rule: (x | g) is (1 + x | g); (0 + x | g) has no intercept. '|' and '||' mean the same here:
// the varying effects of a term have independent scales (no correlations).
//
// Terms are sets of variables; as in R they are ordered by their number of variables (main
// effects, then two-way interactions, ...) and otherwise kept in the order written, repeats
// removed; the variables of a term are listed in the order the variables first appear in the
// formula: `y ~ b:a + a` has the terms a and b:a (b appears first).
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// A variable of a formula: a data column, or factor(column) (always categorical).
struct Variable {
  std::string key;     // "x", "factor(g)": how it is written in column names
  std::string column;  // the data column
  bool as_factor = false;
};

/// A term: the indices (into the formula's variables, ascending) of its variables.
using Term = std::vector<int>;

/// A fixed-effects style formula after expansion: what R's terms() gives.
struct TermSet {
  std::vector<Variable> variables;  // in order of first appearance
  std::vector<Term> terms;          // sorted by order, repeats removed
  bool intercept = true;
};

/// A varying-effect term (expr | group): its own terms, and its grouping factor (one column,
/// or several crossed: g1:g2).
struct BarTerm {
  TermSet effects;
  std::vector<std::string> group_columns;
  std::string group_name;  // "county", "g1:g2"
  std::size_t pos = 0;     // where it starts in the formula text
};

/// offset(column) or offset(log(column)): added to the linear predictor as it is.
struct Offset {
  std::string column;
  bool log = false;
  std::string text() const { return log ? "offset(log(" + column + "))" : "offset(" + column + ")"; }
};

struct Formula {
  std::string text;
  std::string response;
  std::string trials;          // `response | trials(...)`: the column, or the number's digits; empty: none
  bool trials_number = false;  // trials(10): every row has that many trials
  TermSet fixed;
  std::vector<BarTerm> bars;
  std::vector<Offset> offsets;  // in the order written
};

namespace detail {

struct Token {
  enum Kind { kName, kNumber, kOp, kEnd } kind;
  std::string text;
  std::size_t pos;
};

struct Node {
  enum Kind { kVar, kNumber, kPlus, kMinus, kNeg, kColon, kStar, kSlash, kPower, kBar, kOffset } kind;
  std::string name;       // kVar, kOffset: the column; kNumber: the digits
  bool as_factor = false;  // kVar: factor(column); kOffset: offset(log(column))
  std::vector<Node> kids;  // operands; kBar: kids[0] the effects, kids[1..] the group (kVar or kSlash)
  std::size_t pos = 0;
};

/// "--formula: <what> at character P: <text with >> before P>" on one line.
[[noreturn]] inline void syntax_error(const std::string& text, std::size_t pos, const std::string& what) {
  std::string marked = text.substr(0, pos) + ">>" + text.substr(std::min(pos, text.size()));
  throw InputError("--formula: " + what + " at character " + std::to_string(pos + 1) + " (marked >>): " + marked);
}

inline std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '.' || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '_')) ++j;
      out.push_back({Token::kName, s.substr(i, j - i), i});
      i = j;
    } else if (c == '`') {
      const std::size_t j = s.find('`', i + 1);
      if (j == std::string::npos) syntax_error(s, i, "unclosed backquote");
      if (j == i + 1) syntax_error(s, i, "empty `name`");
      out.push_back({Token::kName, s.substr(i + 1, j - i - 1), i});
      i = j + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      out.push_back({Token::kNumber, s.substr(i, j - i), i});
      i = j;
    } else if (c == '|' && i + 1 < s.size() && s[i + 1] == '|') {
      out.push_back({Token::kOp, "||", i});
      i += 2;
    } else if (std::string("~+-*/:^|(),").find(c) != std::string::npos) {
      out.push_back({Token::kOp, std::string(1, c), i});
      ++i;
    } else {
      syntax_error(s, i, std::string("unexpected character '") + c + "'");
    }
  }
  out.push_back({Token::kEnd, "", s.size()});
  return out;
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text), toks_(tokenize(text)) {}

  /// response ['|' trials(column | integer)] ~ rhs
  void parse(std::string& response, std::string& trials, bool& trials_number, Node& rhs) {
    if (peek().kind != Token::kName) fail("expected the response (a column name) before '~'");
    response = next().text;
    if (is_op("|")) {
      next();
      if (peek().kind != Token::kName || peek().text != "trials")
        fail("expected trials(column) after '|' in the response (successes | trials(n) ~ ...)");
      next();
      if (!is_op("(")) fail("expected '(' after trials");
      next();
      if (peek().kind != Token::kName && peek().kind != Token::kNumber)
        fail("expected the column of the number of trials, or a number");
      trials_number = peek().kind == Token::kNumber;
      trials = next().text;
      if (!is_op(")")) fail(trials_number ? "expected ')' after the number of trials (a whole number)" : "expected ')' after the trials column");
      next();
    }
    if (!is_op("~")) fail("expected '~' after the response");
    next();
    if (peek().kind == Token::kEnd) fail("expected terms after '~'");
    if (is_op("-")) {
      const std::size_t p = next().pos;
      Node neg{Node::kNeg, "", false, {product()}, p};
      rhs = sum_rest(neg);
    } else {
      rhs = sum();
    }
    if (peek().kind != Token::kEnd) fail(is_op(")") ? "unmatched ')'" : "expected '+', '-' or the end");
  }

 private:
  const Token& peek() const { return toks_[i_]; }
  const Token& next() { return toks_[i_++]; }
  bool is_op(const char* op) const { return peek().kind == Token::kOp && peek().text == op; }
  [[noreturn]] void fail(const std::string& what) const { syntax_error(text_, peek().pos, what); }

  Node sum() { return sum_rest(product()); }
  Node sum_rest(Node left) {
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      Node right = product();
      left = Node{op.text == "+" ? Node::kPlus : Node::kMinus, "", false, {std::move(left), std::move(right)}, op.pos};
    }
    return left;
  }
  Node product() {
    Node left = inter();
    while (is_op("*") || is_op("/")) {
      const Token& op = next();
      Node right = inter();
      left = Node{op.text == "*" ? Node::kStar : Node::kSlash, "", false, {std::move(left), std::move(right)}, op.pos};
    }
    return left;
  }
  Node inter() {
    Node left = power();
    while (is_op(":")) {
      const Token& op = next();
      Node right = power();
      left = Node{Node::kColon, "", false, {std::move(left), std::move(right)}, op.pos};
    }
    return left;
  }
  Node power() {
    Node base = atom();
    if (is_op("^")) {
      const Token& op = next();
      if (peek().kind != Token::kNumber || peek().text == "0") fail("expected a positive integer after '^'");
      Node k{Node::kNumber, next().text, false, {}, op.pos};
      return Node{Node::kPower, "", false, {std::move(base), std::move(k)}, op.pos};
    }
    return base;
  }
  Node atom() {
    const Token& t = peek();
    if (t.kind == Token::kNumber) {
      if (t.text != "0" && t.text != "1") fail("a number in a formula can only be 0 or 1 (the intercept)");
      next();
      return Node{Node::kNumber, t.text, false, {}, t.pos};
    }
    if (t.kind == Token::kName) {
      next();
      if (is_op("(") && t.text == "offset") return offset(t.pos);
      if (is_op("(")) {
        if (t.text != "factor")
          syntax_error(text_, t.pos, "function '" + t.text + "' is not supported (columns, factor(column), offset(column) and offset(log(column)) are)");
        next();
        if (peek().kind != Token::kName) fail("expected a column name inside factor()");
        const std::string col = next().text;
        if (!is_op(")")) fail("expected ')' after factor(" + col);
        next();
        return Node{Node::kVar, col, true, {}, t.pos};
      }
      return Node{Node::kVar, t.text, false, {}, t.pos};
    }
    if (is_op("(")) {
      const std::size_t open = next().pos;
      Node inside = is_op("-") ? neg_sum() : sum();
      if (is_op("|") || is_op("||")) {
        next();
        Node bar{Node::kBar, "", false, {std::move(inside)}, open};
        bar.kids.push_back(group());
        if (!is_op(")")) fail("expected ')' to close the varying-effect term");
        next();
        return bar;
      }
      if (!is_op(")")) fail("expected ')'");
      next();
      return inside;
    }
    if (t.kind == Token::kEnd) fail("expected a term");
    fail("unexpected '" + t.text + "'");
  }
  /// offset(column) | offset(log(column)), after the name 'offset' (at `pos`).
  Node offset(std::size_t pos) {
    next();  // '('
    if (peek().kind != Token::kName) fail("expected a column or log(column) inside offset()");
    const Token& name = next();
    Node off{Node::kOffset, name.text, false, {}, pos};
    if (is_op("(")) {
      if (name.text != "log") syntax_error(text_, name.pos, "offset() takes a column or log(column)");
      next();
      if (peek().kind != Token::kName) fail("expected a column name inside offset(log())");
      off.name = next().text;
      off.as_factor = true;
      if (!is_op(")")) fail("expected ')' after offset(log(" + off.name);
      next();
    }
    if (!is_op(")")) fail("expected ')' to close offset(");
    next();
    return off;
  }
  Node neg_sum() {
    const std::size_t p = next().pos;
    return sum_rest(Node{Node::kNeg, "", false, {product()}, p});
  }
  /// g, g1:g2, g1/g2 (columns only).
  Node group() {
    Node left = group_inter();
    while (is_op("/")) {
      const Token& op = next();
      Node right = group_inter();
      left = Node{Node::kSlash, "", false, {std::move(left), std::move(right)}, op.pos};
    }
    return left;
  }
  Node group_inter() {
    if (peek().kind != Token::kName) fail("expected a grouping column after '|'");
    const Token& t = next();
    if (is_op("(")) syntax_error(text_, t.pos, "a grouping factor is a column name (it is categorical already)");
    Node left{Node::kVar, t.text, true, {}, t.pos};
    while (is_op(":")) {
      const Token& op = next();
      if (peek().kind != Token::kName) fail("expected a grouping column after ':'");
      const Token& r = next();
      left = Node{Node::kColon, "", false, {std::move(left), Node{Node::kVar, r.text, true, {}, r.pos}}, op.pos};
    }
    return left;
  }

  std::string text_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
};

/// Term lists and the intercept, as R's EncodeVars builds them.
class Expander {
 public:
  Expander(const std::string& text, TermSet& out) : text_(text), out_(out) {}

  /// Registers the variables of `n` in order of first appearance (bars excluded).
  void collect(const Node& n) {
    if (n.kind == Node::kBar || n.kind == Node::kOffset) return;
    if (n.kind == Node::kVar) {
      const std::string key = n.as_factor ? "factor(" + n.name + ")" : n.name;
      for (const Variable& v : out_.variables)
        if (v.key == key) return;
      out_.variables.push_back({key, n.name, n.as_factor});
      return;
    }
    for (const Node& k : n.kids) collect(k);
  }

  std::vector<Term> encode(const Node& n) {
    switch (n.kind) {
      case Node::kVar: return {{index(n)}};
      case Node::kNumber:
        out_.intercept = n.name == "1";
        return {};
      case Node::kNeg: {
        const Node& k = n.kids[0];
        if (k.kind == Node::kNumber) {
          out_.intercept = k.name == "0";
          return {};
        }
        syntax_error(text_, n.pos, "'-' in front of a term removes it; only '- 1' (no intercept) can start a formula");
      }
      case Node::kPlus: {
        std::vector<Term> a = encode(n.kids[0]);
        std::vector<Term> b = encode(n.kids[1]);
        a.insert(a.end(), b.begin(), b.end());
        return trim(a);
      }
      case Node::kMinus: {
        std::vector<Term> a = encode(n.kids[0]);
        const Node& k = n.kids[1];
        if (k.kind == Node::kNumber) {
          out_.intercept = k.name == "0";
          return a;
        }
        const bool keep = out_.intercept;
        const std::vector<Term> b = encode(k);
        out_.intercept = keep;
        std::vector<Term> r;
        for (const Term& t : a)
          if (std::find(b.begin(), b.end(), t) == b.end()) r.push_back(t);
        return r;
      }
      case Node::kColon: return interact(operand(n.kids[0], n), operand(n.kids[1], n));
      case Node::kStar: {
        std::vector<Term> a = operand(n.kids[0], n), b = operand(n.kids[1], n);
        std::vector<Term> r = a;
        r.insert(r.end(), b.begin(), b.end());
        const std::vector<Term> ab = interact(a, b);
        r.insert(r.end(), ab.begin(), ab.end());
        return trim(r);
      }
      case Node::kSlash: {
        std::vector<Term> a = operand(n.kids[0], n), b = operand(n.kids[1], n);
        Term all;
        for (const Term& t : a) all = unite(all, t);
        std::vector<Term> r = a;
        for (const Term& t : b) r.push_back(unite(all, t));
        return trim(r);
      }
      case Node::kPower: {
        const std::vector<Term> a = operand(n.kids[0], n);
        const int k = std::stoi(n.kids[1].name);
        std::vector<Term> r = a;
        for (int i = 1; i < k; ++i) r = interact(a, r);
        return r;
      }
      case Node::kBar:
        syntax_error(text_, n.pos, "a varying-effect term (... | g) must be a term of its own, added with '+'");
      case Node::kOffset:
        syntax_error(text_, n.pos, "offset(...) must be a term of its own, added with '+' outside any parentheses");
    }
    return {};
  }

  /// Sorts by order (stable) and removes repeats: R's terms().
  void finish(std::vector<Term> terms) {
    terms = trim(terms);
    std::stable_sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.size() < b.size(); });
    out_.terms = terms;
  }

 private:
  std::vector<Term> operand(const Node& k, const Node& parent) {
    if (k.kind == Node::kNumber) syntax_error(text_, k.pos, "0 and 1 (the intercept) cannot be in an interaction");
    if (k.kind == Node::kBar) syntax_error(text_, k.pos, "a varying-effect term (... | g) cannot be in an interaction");
    (void)parent;
    const bool keep = out_.intercept;
    std::vector<Term> r = encode(k);
    out_.intercept = keep;
    return r;
  }
  int index(const Node& n) const {
    const std::string key = n.as_factor ? "factor(" + n.name + ")" : n.name;
    for (std::size_t i = 0; i < out_.variables.size(); ++i)
      if (out_.variables[i].key == key) return static_cast<int>(i);
    return -1;
  }
  static Term unite(const Term& a, const Term& b) {
    Term r = a;
    for (int v : b)
      if (std::find(r.begin(), r.end(), v) == r.end()) r.push_back(v);
    std::sort(r.begin(), r.end());
    return r;
  }
  static std::vector<Term> interact(const std::vector<Term>& a, const std::vector<Term>& b) {
    std::vector<Term> r;
    for (const Term& l : a)
      for (const Term& t : b) r.push_back(unite(l, t));
    return trim(r);
  }
  static std::vector<Term> trim(const std::vector<Term>& v) {
    std::vector<Term> r;
    for (const Term& t : v)
      if (!t.empty() && std::find(r.begin(), r.end(), t) == r.end()) r.push_back(t);
    return r;
  }

  std::string text_;
  TermSet& out_;
};

/// The summands of the top-level sum, with their signs (bars must be added, not removed).
inline void summands(const Node& n, bool negative, std::vector<std::pair<const Node*, bool>>& out) {
  if (n.kind == Node::kPlus || n.kind == Node::kMinus) {
    summands(n.kids[0], negative, out);
    summands(n.kids[1], n.kind == Node::kMinus, out);
    return;
  }
  out.push_back({&n, negative});
}

/// Rebuilds a sum of the summands that are neither bars nor offsets (in order, signs kept).
inline bool strip_bars(const Node& n, Node& out) {
  if (n.kind == Node::kBar || n.kind == Node::kOffset) return false;
  if (n.kind == Node::kPlus || n.kind == Node::kMinus) {
    Node l, r;
    const bool hl = strip_bars(n.kids[0], l), hr = strip_bars(n.kids[1], r);
    if (hl && hr) {
      out = Node{n.kind, "", false, {l, r}, n.pos};
      return true;
    }
    if (hl) {
      out = l;
      return true;
    }
    if (hr) {
      out = n.kind == Node::kPlus ? r : Node{Node::kNeg, "", false, {r}, n.pos};
      return true;
    }
    return false;
  }
  out = n;
  return true;
}

inline void group_columns(const Node& g, std::vector<std::string>& cols) {
  if (g.kind == Node::kVar) {
    cols.push_back(g.name);
    return;
  }
  group_columns(g.kids[0], cols);
  group_columns(g.kids[1], cols);
}

inline std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

inline TermSet expand(const std::string& text, const Node* n) {
  TermSet ts;
  Expander e(text, ts);
  if (n) {
    e.collect(*n);
    e.finish(e.encode(*n));
  }
  return ts;
}

}  // namespace detail

/// Parses and expands a formula; an InputError naming --formula with the position marked for
/// a syntax error.
inline Formula parse_formula(const std::string& text) {
  using namespace detail;
  Formula f;
  f.text = text;
  Node rhs;
  Parser(text).parse(f.response, f.trials, f.trials_number, rhs);
  std::vector<std::pair<const Node*, bool>> parts;
  summands(rhs, false, parts);
  for (const auto& p : parts) {
    if (p.first->kind == Node::kOffset) {
      if (p.second) syntax_error(text, p.first->pos, "an offset cannot be removed with '-'");
      f.offsets.push_back({p.first->name, p.first->as_factor});
      continue;
    }
    if (p.first->kind != Node::kBar) continue;
    if (p.second) syntax_error(text, p.first->pos, "a varying-effect term cannot be removed with '-'");
    const Node& bar = *p.first;
    // g1/g2 -> g1 and g1:g2
    std::vector<std::vector<std::string>> groups;
    const Node& g = bar.kids[1];
    if (g.kind == Node::kSlash) {
      std::vector<std::string> acc;
      std::vector<const Node*> chain;
      const Node* cur = &g;
      while (cur->kind == Node::kSlash) {
        chain.push_back(&cur->kids[1]);
        cur = &cur->kids[0];
      }
      chain.push_back(cur);
      std::reverse(chain.begin(), chain.end());
      for (const Node* c : chain) {
        group_columns(*c, acc);
        groups.push_back(acc);
      }
    } else {
      groups.push_back({});
      group_columns(g, groups.back());
    }
    for (const auto& cols : groups) {
      BarTerm b;
      b.effects = expand(text, &bar.kids[0]);
      b.group_columns = cols;
      b.group_name = join(cols, ":");
      b.pos = bar.pos;
      f.bars.push_back(std::move(b));
    }
  }
  Node fixed;
  if (strip_bars(rhs, fixed)) {
    f.fixed = expand(text, &fixed);
  } else {
    f.fixed.intercept = true;  // y ~ (1 | g): the intercept of R's default
  }
  // The response as a predictor or grouping factor would put y on both sides (R's model.matrix
  // drops such a term with a warning; refused here, so nothing is dropped silently). The
  // trials column may be a predictor, as in R.
  auto refuse_if_response = [&](const std::string& column) {
    if (column == f.response)
      throw InputError("--formula: '" + column + "' is the response and cannot also appear on the right-hand side: " +
                       text);
  };
  for (const Variable& v : f.fixed.variables) refuse_if_response(v.column);
  for (const Offset& o : f.offsets) refuse_if_response(o.column);
  for (const BarTerm& b : f.bars) {
    for (const Variable& v : b.effects.variables) refuse_if_response(v.column);
    for (const std::string& g : b.group_columns) refuse_if_response(g);
  }
  return f;
}

/// R's name of a term: its variables' keys joined by ':'.
inline std::string term_label(const TermSet& ts, const Term& t) {
  std::string s;
  for (std::size_t i = 0; i < t.size(); ++i) s += (i ? ":" : "") + ts.variables[t[i]].key;
  return s;
}

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
