#pragma once
// Integrated autocorrelation time as emcee 3 computes it (src/emcee/autocorr.py:
// integrated_time, function_1d, auto_window), for ensemble output.
//
// For each walker k of a quantity, the normalized autocorrelation function of its centred
// series y (length n) is
//     rho_k(t) = sum_{i < n - t} y_i y_{i+t} / sum_i y_i^2,
// computed by FFT with zero padding to 2 next_pow2(n) (exactly emcee's function_1d; a cyclic
// transform of size m >= n gets the lags t <= m - n exactly, so integrated_time first pads
// only to next_pow2(n + n/8) -- half the size for most n -- and pads fully only when Sokal's
// window has not ended within those lags, which a chain longer than tol tau never needs). The
// functions are AVERAGED OVER WALKERS first (this is what makes the estimate usable for an
// ensemble: Foreman-Mackey's "autocorrelation analysis" tutorial), f(t) = mean_k rho_k(t),
// then
//     tau(M) = 2 sum_{t=0}^{M} f(t) - 1 = 1 + 2 sum_{t=1}^{M} f(t),
// with Sokal's automatic window (A. Sokal, "Monte Carlo methods in statistical mechanics:
// foundations and new algorithms", 1996 lecture notes, section 3, p. 16): M = the smallest
// t with t >= c tau(t), c = 5. The estimate is trusted only when the chain is longer than
// tol tau draws (tol = 50); shorter chains are flagged (emcee logs a warning with quiet=True).
//
// A window always exists for n >= 2: the autocovariances of a centred series sum to zero
// over all lags -(n-1)..(n-1), so tau(n - 1) = 0 (up to rounding) <= (n - 1) / c. (For n = 1
// tau = 1 and the quantity is flagged too_short, as emcee's answer then is.)
//
// One deliberate difference from emcee, in a degenerate case only: a walker whose series is
// constant (it never moved in the window) has no defined autocorrelation (0/0; emcee returns
// NaN for the whole quantity); it is left out of the average and counted in
// `constant_series`. Only if every walker is constant is tau NaN.
//
// Computation (one forward FFT per pair of walkers, one inverse per quantity): each walker's
// centred series is scaled to unit power, Σ_i y_i² = 1, so its acov(0) is 1 and rho_k = acov_k;
// the DFT is linear, so mean_k rho_k(t) = IDFT(Σ_k |Y_k|²)_t / IDFT(Σ_k |Y_k|²)_0 (the ratio
// makes f(0) = 1 exactly; it differs from the mean of per-walker ratios by rounding only, ~1e-16
// relative: tests/diagnostics/autocorr_time_test.cpp checks both against emcee). Two real
// walkers share one complex transform Z = DFT(y0 + i y1), and summed over pairs
// (|Z_k|² + |Z_{m−k}|²)/2 = |Y0_k|² + |Y1_k|², so only Σ_pairs |Z_k|² is accumulated, in the
// transform's bit-reversed order (no permutation per walker). Walkers are summed in fixed
// blocks added in order, so the result does not depend on the number of threads.
#include <string>
#include <vector>

#include "host/core/draw_set.hpp"

namespace lockstep::diagnostics {

constexpr double kAutocorrWindowC = 5.0;   // Sokal's c (emcee's default)
constexpr double kAutocorrTrustTol = 50.0; // emcee's tol: trust tau if n > tol * tau

struct AutocorrTimeOptions {
  double c = kAutocorrWindowC;
  double tol = kAutocorrTrustTol;
  bool include_warmup = false;  // DrawSet draws before n_warmup_saved are skipped unless set
};

/// emcee's function_1d: the normalized autocorrelation function rho(0..n-1) of one series
/// (rho(0) = 1; all NaN for a constant series).
std::vector<double> autocorr_function(const double* x, int n);

/// One quantity's estimate from `series` (each of length n, e.g. the walkers of an ensemble).
struct AutocorrTime {
  double tau = 0;            // in draws
  int window = 0;            // Sokal's M
  bool too_short = false;    // n <= tol * tau, tau <= 0, or no window found
  int constant_series = 0;   // walkers left out (constant series)
};
AutocorrTime integrated_time(const std::vector<const double*>& series, int n,
                             const AutocorrTimeOptions& options = {});

/// tau per parameter of a DrawSet (in draws of the DrawSet: multiply by the thinning to get
/// steps, as emcee's get_autocorr_time(thin=...) does), averaging over all chains.
std::vector<double> integrated_time(const DrawSet& draws, const AutocorrTimeOptions& options = {});

/// The same with windows and flags, per parameter.
std::vector<AutocorrTime> autocorr_times(const DrawSet& draws, const AutocorrTimeOptions& options = {});

/// emcee's warning for the flagged parameters, on one line, or "" if none is flagged, e.g.
/// "the chain is shorter than 50 times the integrated autocorrelation time for 2 parameter(s)
///  (l: tau = 123.4, s: tau = 98.7); N/50 = 20 (in draws); use this estimate with caution and
///  run a longer chain". `scale` multiplies the taus shown (e.g. thin, to print steps).
std::string short_chain_warning(const std::vector<std::string>& names, const std::vector<AutocorrTime>& taus,
                                int n_draws, const AutocorrTimeOptions& options = {}, double scale = 1.0);

}  // namespace lockstep::diagnostics
