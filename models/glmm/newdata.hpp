#pragma once
// Posterior predictive draws for new rows (`sample glmm ... --predict --newdata FILE`; host
// only). The new rows' design is the fitted design's: the formula is evaluated on the fitted
// table with the new rows appended (so factor coding and levels come out as R's model.matrix
// gives them on the union), and the new rows' part is kept when its fixed-effect columns are the
// fitted ones; a fixed-effect factor level the fit never saw is an error.
//
// Grouping levels: a level of the fit uses its fitted coefficients r; a NEW level draws new
// coefficients for each posterior draw from the fitted scale, r_new = sd_{r,k} z with z ~ N(0, 1)
// (brms's allow_new_levels with sample_new_levels = "gaussian"), one z per (new level, effect)
// and draw, shared by every new row of that level. Its base index in GlmmData is then negative:
// -(1 + the new level's slot); models/glmm/simulate.hpp draws its z from Stream::kNewLevels.
//
// The response column may be missing from the new table (then there is no observed data to
// compare with); the binomial's trials column may not.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/contract/data_source.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace models {
namespace glmm {

/// The fitted table's columns followed by the new table's rows: a column the new table lacks
/// is filled with 0 there (only allowed for the response, checked by the caller).
class AppendedTable final : public DataSource {
 public:
  AppendedTable(const std::map<std::string, TableColumn>& fitted, const DataSource& extra, std::string fill_column)
      : fitted_(fitted), extra_(extra), fill_(std::move(fill_column)) {}
  std::string origin() const override { return extra_.origin(); }
  bool has(const std::string& f) const override { return fitted_.count(f) > 0; }
  bool has_column(const std::string& f) const override { return fitted_.count(f) > 0; }
  std::vector<std::string> column_names() const override {
    std::vector<std::string> n;
    for (const auto& kv : fitted_) n.push_back(kv.first);
    return n;
  }
  long get_int(const std::string& f) const override { return extra_.get_int(f); }
  std::vector<double> get_reals(const std::string& f) const override { return extra_.get_reals(f); }
  std::vector<long> get_ints(const std::string& f) const override { return extra_.get_ints(f); }
  TableColumn column(const std::string& f) const override {
    TableColumn c = fitted_.at(f);
    n_fitted_ = c.size();
    if (extra_.has_column(f)) {
      const TableColumn e = extra_.column(f);
      c.cell.insert(c.cell.end(), e.cell.begin(), e.cell.end());
      c.value.insert(c.value.end(), e.value.begin(), e.value.end());
      c.text.insert(c.text.end(), e.text.begin(), e.text.end());
    } else {
      if (f != fill_) throw InputError(extra_.origin() + ": --newdata: no column '" + f + "' (the formula needs it)");
      const long n = rows_of_extra();
      c.cell.insert(c.cell.end(), static_cast<std::size_t>(n), TableColumn::kNumber);
      c.value.insert(c.value.end(), static_cast<std::size_t>(n), 0.0);
      c.text.insert(c.text.end(), static_cast<std::size_t>(n), "0");
    }
    return c;
  }
  std::string row_label(long r) const override {
    return r < n_fitted_ ? "fitted row " + std::to_string(r + 1) : extra_.row_label(r - n_fitted_);
  }
  long rows_of_extra() const {
    for (const auto& kv : fitted_)
      if (extra_.has_column(kv.first)) return extra_.column(kv.first).size();
    return 0;
  }

 private:
  const std::map<std::string, TableColumn>& fitted_;
  const DataSource& extra_;
  std::string fill_;
  mutable long n_fitted_ = 0;
};

}  // namespace glmm
}  // namespace models
}  // namespace lockstep
