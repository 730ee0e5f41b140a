# Stan peer benchmark for gauss100_ill (rstan, Stan 2.21): the companion of stan_eight_schools.R for
# the 100-dimensional ill-conditioned Gaussian (model: gauss100.stan).
#
# Usage:
#   Rscript bench/peers/stan_gauss100.R DATA_JSON [CHAINS=4] [WARMUP=1000] [DRAWS=1000] [SEED=20240601] \
#           [CORES=2] [--cache-dir=DIR]
# Output: ONE JSON object on stdout with the fields of stan_eight_schools.R (compile_seconds,
# sampling_seconds, time_to_first_draw_seconds, stan_chain_*_seconds, min_ess_bulk (posterior::ess_bulk,
# Vehtari et al. 2021), max_rhat (posterior::rhat), divergences, gradient_evaluations (sum of
# n_leapfrog__, warmup included), means/sds/ess_bulk of x[1..N]). On failure
# {"peer":"rstan","error":"..."} and exit status 0. Everything else goes to stderr.
emit <- function(line) {
  while (sink.number() > 0) sink()
  cat(line, "\n", sep = "")
}
fail <- function(msg) {
  msg <- gsub("[\r\n\"\\\\]+", " ", msg)
  emit(sprintf("{\"peer\":\"rstan\",\"error\":\"%s\"}", msg))
  quit(save = "no", status = 0)
}
here <- function() {
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a) == 0) getwd() else dirname(normalizePath(sub("^--file=", "", a[1])))
}

main <- function() {
  args <- commandArgs(trailingOnly = TRUE)
  cache_dir <- NA_character_
  pos <- character(0)
  for (a in args) {
    if (grepl("^--cache-dir=", a)) cache_dir <- sub("^--cache-dir=", "", a) else pos <- c(pos, a)
  }
  if (length(pos) < 1) fail("missing argument DATA_JSON")
  num <- function(i, d) if (length(pos) >= i) as.integer(pos[i]) else d
  data_file <- pos[1]
  chains <- num(2, 4L); warmup <- num(3, 1000L); draws <- num(4, 1000L)
  seed <- num(5, 20240601L); cores <- num(6, 2L)
  for (p in c("jsonlite", "rstan", "posterior")) {
    if (!requireNamespace(p, quietly = TRUE)) fail(sprintf("R package %s is not installed; run bench/peers/install_stan.sh", p))
  }
  suppressPackageStartupMessages({ library(rstan); library(posterior) })
  d <- jsonlite::fromJSON(data_file, simplifyVector = TRUE)
  N <- as.integer(d$N)
  stan_data <- list(N = N, mu = as.numeric(d$mu), Sigma = matrix(as.numeric(unlist(d$Sigma)), N, N, byrow = TRUE))
  model_file <- file.path(here(), "gauss100.stan")
  makevars <- file.path(here(), "Makevars")
  if (file.exists(makevars)) Sys.setenv(R_MAKEVARS_USER = makevars)
  rstan_options(auto_write = FALSE)

  t0 <- Sys.time()
  sm <- NULL
  cached <- FALSE
  cache_file <- NA_character_
  if (!is.na(cache_dir)) {
    dir.create(cache_dir, showWarnings = FALSE, recursive = TRUE)
    key <- paste(tools::md5sum(model_file), if (file.exists(makevars)) tools::md5sum(makevars) else "default",
                 as.character(packageVersion("rstan")))
    cache_file <- file.path(cache_dir, sprintf("gauss100-%s.rds", substr(gsub("[^0-9a-f]", "", key), 1, 16)))
    if (file.exists(cache_file)) {
      sm <- tryCatch({ m <- readRDS(cache_file); rstan:::grab_cxxfun(m@dso); m }, error = function(e) NULL)
      cached <- !is.null(sm)
    }
  }
  if (is.null(sm)) {
    sm <- tryCatch(stan_model(file = model_file, model_name = "gauss100", verbose = FALSE),
                   error = function(e) fail(sprintf("compilation failed: %s", conditionMessage(e))))
    if (!is.na(cache_file)) saveRDS(sm, cache_file)
  }
  compile_seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))

  t1 <- Sys.time()
  fit <- tryCatch(sampling(sm, data = stan_data, chains = chains, cores = cores, iter = warmup + draws,
                           warmup = warmup, seed = seed, refresh = 0, open_progress = FALSE),
                  error = function(e) fail(sprintf("sampling failed: %s", conditionMessage(e))))
  sampling_seconds <- as.numeric(difftime(Sys.time(), t1, units = "secs"))
  if (!is(fit, "stanfit") || fit@mode != 0L) fail("sampling failed: no draws (see stderr)")

  pars <- sprintf("x[%d]", seq_len(N))
  dr <- as_draws_array(as.array(fit, pars = pars))
  ess <- vapply(pars, function(p) ess_bulk(extract_variable_matrix(dr, p)), numeric(1))
  rh <- vapply(pars, function(p) rhat(extract_variable_matrix(dr, p)), numeric(1))
  mn <- vapply(pars, function(p) mean(extract_variable_matrix(dr, p)), numeric(1))
  sds <- vapply(pars, function(p) sd(as.vector(extract_variable_matrix(dr, p))), numeric(1))
  sp_all <- get_sampler_params(fit, inc_warmup = TRUE)
  sp_post <- get_sampler_params(fit, inc_warmup = FALSE)
  elapsed <- get_elapsed_time(fit)
  emit(as.character(jsonlite::toJSON(list(
    peer = "rstan", stan_version = stan_version(), rstan_version = as.character(packageVersion("rstan")),
    posterior_version = as.character(packageVersion("posterior")), model = "gauss100",
    chains = chains, warmup = warmup, draws = draws, seed = seed, cores = cores, compile_cached = cached,
    compile_seconds = compile_seconds, sampling_seconds = sampling_seconds,
    time_to_first_draw_seconds = compile_seconds + sampling_seconds,
    stan_chain_warmup_seconds = unname(elapsed[, "warmup"]), stan_chain_sample_seconds = unname(elapsed[, "sample"]),
    min_ess_bulk = min(ess), min_ess_bulk_variable = names(ess)[which.min(ess)], max_rhat = max(rh),
    divergences = sum(vapply(sp_post, function(m) sum(m[, "divergent__"]), numeric(1))),
    gradient_evaluations = sum(vapply(sp_all, function(m) sum(m[, "n_leapfrog__"]), numeric(1))),
    means = as.list(mn), sds = as.list(sds), ess_bulk = as.list(ess)
  ), auto_unbox = TRUE, digits = NA)))
}

sink(stderr())
res <- tryCatch(main(), error = function(e) e)
while (sink.number() > 0) sink()
if (inherits(res, "error")) fail(conditionMessage(res))
