# Generates data/reference/slopes_hierarchical.json: the reference posterior of the seed's
# hierarchical slopes (slopes.stan on data/slopes_groups.json) from one long rstan run, for the
# posterior checks of bench/run_all's "slopes" runs (lockstep, PyMC, nutpie).
#
#   Rscript bench/peers/make_slopes_reference.R [OUT_JSON]      (about two minutes on 2 cores)
#
# 8 chains x (2000 warmup + 12500 draws), adapt_delta 0.995 (the seed's target_accept), seed
# 20261207. Per output: mean, sd, 5% and 95% quantiles, mcse_mean (posterior::mcse_mean),
# ess_bulk_ref and rhat_ref (posterior), n_draws. The run is refused (non-zero exit, nothing
# written) when R-hat exceeds 1.01 or any post-warmup transition diverged.
suppressPackageStartupMessages({ library(rstan); library(posterior); library(jsonlite) })
here <- function() {
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  dirname(normalizePath(sub("^--file=", "", a[1])))
}
args <- commandArgs(trailingOnly = TRUE)
root <- normalizePath(file.path(here(), "..", ".."))
out <- if (length(args) >= 1) args[1] else file.path(root, "data", "reference", "slopes_hierarchical.json")
d <- fromJSON(file.path(root, "data", "slopes_groups.json"), simplifyVector = TRUE)
makevars <- file.path(here(), "Makevars")
if (file.exists(makevars)) Sys.setenv(R_MAKEVARS_USER = makevars)
sm <- stan_model(file = file.path(here(), "slopes.stan"), model_name = "slopes")
fit <- sampling(sm, data = list(N = d$N, J = d$J, group = as.integer(d$group), x = d$x, y = d$y),
                chains = 8, cores = 2, warmup = 2000, iter = 14500, seed = 20261207, refresh = 0,
                control = list(adapt_delta = 0.995))
pars <- c("b_x", "sd_group__x", "sigma", sprintf("r_group[%d]", seq_len(d$J)))
dr <- as_draws_array(as.array(fit, pars = pars))
divergent <- sum(vapply(get_sampler_params(fit, inc_warmup = FALSE), function(m) sum(m[, "divergent__"]), numeric(1)))
ref <- list()
for (p in pars) {
  m <- extract_variable_matrix(dr, p)
  v <- as.vector(m)
  ref[[p]] <- list(mean = mean(v), sd = sd(v), q5 = unname(quantile(v, 0.05)), q95 = unname(quantile(v, 0.95)),
                   mcse_mean = mcse_mean(m), n_draws = length(v), ess_bulk_ref = ess_bulk(m), rhat_ref = rhat(m))
}
worst <- max(vapply(ref, function(r) r$rhat_ref, numeric(1)))
if (worst > 1.01 || divergent > 0) {
  message(sprintf("make_slopes_reference: refused (max R-hat %.4f, %d divergent transitions)", worst, divergent))
  quit(save = "no", status = 1)
}
ref[["__source"]] <- sprintf(paste0("rstan %s (Stan %s), bench/peers/slopes.stan on data/slopes_groups.json: 8 chains x ",
                                   "(2000 + 12500), adapt_delta 0.995, seed 20261207; posterior %s. Made by ",
                                   "bench/peers/make_slopes_reference.R"),
                            as.character(packageVersion("rstan")), stan_version(), as.character(packageVersion("posterior")))
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, pretty = TRUE), out)
message(sprintf("make_slopes_reference: wrote %s (max R-hat %.4f, min bulk ESS %.0f)", out, worst,
                min(vapply(pars, function(p) ref[[p]]$ess_bulk_ref, numeric(1)))))
