# rstan's vb() (Stan's ADVI, Kucukelbir et al. 2017) on the seeds' TFP radon GLMM
# (bench/peers/radon_tfp.stan), the peer of lockstep vi in bench/vi_radon.cpp.
#
# Usage: Rscript bench/peers/stan_radon_vb.R DATA_JSON [--algorithm=meanfield] [--grad-samples=2]
#          [--iter=10000] [--tol-rel-obj=0.01] [--eta=adapt] [--seed=1] [--draws=1000]
# Stan's ADVI is not Adam: its step size eta_t = eta * t^(-1/2 + 1e-16) / (tau + sqrt(s_t)) with
# an adaptive sequence s_t. --eta=adapt (the default, Stan's): a short adaptation phase picks eta
# from {100, 10, 1, 0.1, 0.01}; --eta=X fixes it (adapt_engaged = FALSE). With eta fixed at the
# seed's learning rate 0.01 Stan's steps are so small that the relative-ELBO rule stops it far
# from the optimum (measured: Intercept 0.75 against 1.46). It stops by the relative ELBO change
# (--tol-rel-obj, mean or median over a window, ELBO from 100 points every 100 iterations) or --iter.
#
# Output: ONE JSON line on stdout: compile seconds (separate), vb seconds (the whole vb() call:
# optimization and the draws), the fitted means of intercept, floor and county scale over the
# draws. On failure {"peer":"rstan-vb","error":"..."} and exit status 0 (the harness reports it).
emit <- function(x) {
  while (sink.number() > 0) sink()
  cat(as.character(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA)), "\n", sep = "")
}
fail <- function(msg) {
  emit(list(peer = "rstan-vb", error = gsub("[\r\n]+", " ", msg)))
  quit(save = "no", status = 0)
}
sink(stderr())
args <- commandArgs(trailingOnly = TRUE)
opt <- list(data = NA_character_, algorithm = "meanfield", grad_samples = "2", iter = "10000",
            tol_rel_obj = "0.01", eta = "adapt", seed = "1", draws = "1000")
for (a in args) {
  if (grepl("^--[a-z-]+=", a)) {
    key <- gsub("-", "_", sub("^--([a-z-]+)=.*$", "\\1", a))
    if (!key %in% names(opt)) fail(sprintf("unknown flag %s", a))
    opt[[key]] <- sub("^--[a-z-]+=", "", a)
  } else {
    opt$data <- a
  }
}
if (is.na(opt$data) || !file.exists(opt$data)) fail("missing or unreadable DATA_JSON (data/radon_mn.json)")
for (p in c("jsonlite", "rstan")) if (!requireNamespace(p, quietly = TRUE)) fail(sprintf("R package %s missing", p))
suppressPackageStartupMessages(library(rstan))
a <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", a, value = TRUE)[1])))
d <- jsonlite::fromJSON(opt$data, simplifyVector = TRUE)
stan_data <- list(N = as.integer(d$N), J = as.integer(d$J), county_idx = as.integer(d$county_idx),
                  floor_measure = as.numeric(d$floor_measure), log_radon = as.numeric(d$log_radon))
makevars <- file.path(here, "Makevars")
if (file.exists(makevars)) Sys.setenv(R_MAKEVARS_USER = makevars)
t0 <- Sys.time()
sm <- tryCatch(stan_model(file.path(here, "radon_tfp.stan"), model_name = "radon_tfp", verbose = FALSE),
               error = function(e) fail(sprintf("compilation failed: %s", conditionMessage(e))))
compile_seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
adapt <- opt$eta == "adapt"
t1 <- Sys.time()
fit <- tryCatch(
  vb(sm, data = stan_data, algorithm = opt$algorithm, grad_samples = as.integer(opt$grad_samples),
     iter = as.integer(opt$iter), tol_rel_obj = as.numeric(opt$tol_rel_obj), seed = as.integer(opt$seed),
     output_samples = as.integer(opt$draws), adapt_engaged = adapt,
     eta = if (adapt) 1 else as.numeric(opt$eta), refresh = 0),
  error = function(e) fail(sprintf("vb failed: %s", conditionMessage(e))))
vb_seconds <- as.numeric(difftime(Sys.time(), t1, units = "secs"))
draws <- as.matrix(fit, pars = c("intercept", "floor_weight", "county_scale"))
emit(list(peer = "rstan-vb", rstan_version = as.character(packageVersion("rstan")), stan_version = stan_version(),
          algorithm = opt$algorithm, grad_samples = as.integer(opt$grad_samples), iter = as.integer(opt$iter),
          tol_rel_obj = as.numeric(opt$tol_rel_obj), eta = opt$eta, compile_seconds = compile_seconds,
          vb_seconds = vb_seconds, intercept = mean(draws[, 1]), floor = mean(draws[, 2]),
          county_scale = mean(draws[, 3])))
