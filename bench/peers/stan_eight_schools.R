# Stan peer benchmark: non-centered Eight Schools with rstan (Stan 2.21).
#
# Measures what lockstep's benchmarks compare against: minimum bulk ESS per second of wall clock,
# warmup and draw collection included, on this machine. Compilation is timed separately.
#
# Usage:
#   Rscript bench/peers/stan_eight_schools.R DATA_JSON [CHAINS=4] [WARMUP=1000] [DRAWS=1000] \
#           [SEED=20240601] [CORES=2]
# Each positional argument may also be given as --data=, --chains=, --warmup=, --draws=, --seed=,
# --cores=. Extra flags: --no-makevars (compile with R's default flags instead of peers/Makevars),
# --cache-dir=DIR (reuse a compiled model saved there; compile_seconds then is the load time).
#
# Output: ONE JSON object on stdout (everything else goes to stderr). On any failure it prints
# {"peer":"rstan","error":"..."} and still exits 0 so the harness can report it.
#
# Definitions (see README.md):
#   sampling_seconds   wall clock around rstan::sampling(): worker start, warmup, sampling, returning draws.
#   min_ess_bulk       min over mu, tau, theta[1..8] of posterior::ess_bulk (rank-normalized bulk ESS,
#                      Vehtari, Gelman, Simpson, Carpenter, Buerkner 2021, "Rank-normalization, folding,
#                      and localization", Bayesian Analysis 16(2), section 3).
#   max_rhat           max over the same parameters of posterior::rhat (max of bulk and tail R-hat, ibid.).
#   gradient_evaluations  sum of n_leapfrog__ over warmup and sampling iterations of all chains.

# While main() runs, sink(stderr()) (bottom of file) sends everything R prints to stderr; the JSON
# line is written after removing that diversion, so it is the only thing on stdout.
emit <- function(line) {
  while (sink.number() > 0) sink()
  cat(line, "\n", sep = "")
}

out_json <- function(x) {
  emit(as.character(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, null = "null")))
}

fail <- function(msg) {
  msg <- gsub("[\r\n]+", " ", msg)
  if (requireNamespace("jsonlite", quietly = TRUE)) {
    out_json(list(peer = "rstan", error = msg))
  } else {
    esc <- gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", msg))
    emit(sprintf("{\"peer\":\"rstan\",\"error\":\"%s\"}", esc))
  }
  quit(save = "no", status = 0)
}

script_dir <- function() {
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a) == 0) return(getwd())
  dirname(normalizePath(sub("^--file=", "", a[1])))
}

parse_args <- function(args) {
  opt <- list(data = NA_character_, chains = 4L, warmup = 1000L, draws = 1000L, seed = 20240601L,
              cores = 2L, makevars = TRUE, cache_dir = NA_character_)
  positional <- c("data", "chains", "warmup", "draws", "seed", "cores")
  pos <- 0L
  for (a in args) {
    if (a == "--no-makevars") {
      opt$makevars <- FALSE
    } else if (grepl("^--[a-z-]+=", a)) {
      key <- gsub("-", "_", sub("^--([a-z-]+)=.*$", "\\1", a))
      val <- sub("^--[a-z-]+=", "", a)
      if (!key %in% names(opt)) fail(sprintf("unknown flag --%s", key))
      opt[[key]] <- val
    } else {
      pos <- pos + 1L
      if (pos > length(positional)) fail(sprintf("too many arguments: '%s'", a))
      opt[[positional[pos]]] <- a
    }
  }
  if (is.na(opt$data)) fail("missing argument DATA_JSON (e.g. /work/shared/data/eight_schools.json)")
  for (k in c("chains", "warmup", "draws", "seed", "cores")) {
    v <- suppressWarnings(as.integer(opt[[k]]))
    if (is.na(v) || v < (if (k == "seed") 0L else 1L)) {
      fail(sprintf("argument %s must be a positive integer, got '%s'", k, opt[[k]]))
    }
    opt[[k]] <- v
  }
  opt
}

main <- function() {
  opt <- parse_args(commandArgs(trailingOnly = TRUE))
  for (p in c("jsonlite", "rstan", "posterior")) {
    if (!requireNamespace(p, quietly = TRUE)) {
      fail(sprintf("R package %s is not installed; run bench/peers/install_stan.sh", p))
    }
  }
  suppressPackageStartupMessages({
    library(rstan)
    library(posterior)
  })
  here <- script_dir()
  model_file <- file.path(here, "eight_schools_noncentered.stan")
  if (!file.exists(model_file)) fail(sprintf("model file not found: %s", model_file))
  if (!file.exists(opt$data)) fail(sprintf("data file not found: %s", opt$data))

  data <- tryCatch(jsonlite::fromJSON(opt$data, simplifyVector = TRUE),
                   error = function(e) fail(sprintf("%s: not valid JSON: %s", opt$data, conditionMessage(e))))
  for (f in c("J", "y", "sigma")) {
    if (is.null(data[[f]])) fail(sprintf("%s: missing field '%s'", opt$data, f))
  }
  stan_data <- list(J = as.integer(data$J), y = as.numeric(data$y), sigma = as.numeric(data$sigma))
  if (length(stan_data$y) != stan_data$J || length(stan_data$sigma) != stan_data$J) {
    fail(sprintf("%s: y and sigma must have J = %d entries", opt$data, stan_data$J))
  }

  # Compiler flags: peers/Makevars (-O3, no -g) unless --no-makevars; the child R CMD SHLIB inherits it.
  makevars <- file.path(here, "Makevars")
  if (opt$makevars && file.exists(makevars)) Sys.setenv(R_MAKEVARS_USER = makevars)
  rstan_options(auto_write = FALSE)
  options(mc.cores = opt$cores)

  # --- compile (timed separately) ---
  cached <- FALSE
  cache_file <- NA_character_
  if (!is.na(opt$cache_dir)) {
    dir.create(opt$cache_dir, showWarnings = FALSE, recursive = TRUE)
    key <- paste(tools::md5sum(model_file), if (opt$makevars && file.exists(makevars)) tools::md5sum(makevars)
                 else "default", as.character(packageVersion("rstan")), sep = "-")
    cache_file <- file.path(opt$cache_dir, sprintf("eight_schools_noncentered-%s.rds",
                                                    substr(digest_key(key), 1, 16)))
  }
  t0 <- Sys.time()
  sm <- NULL
  if (!is.na(cache_file) && file.exists(cache_file)) {
    sm <- tryCatch(readRDS(cache_file), error = function(e) NULL)
    # Load the DSO now so that the load counts as "compile", not as sampling.
    if (!is.null(sm)) sm <- tryCatch({ rstan:::grab_cxxfun(sm@dso); sm }, error = function(e) NULL)
    cached <- !is.null(sm)
  }
  if (is.null(sm)) {
    sm <- tryCatch(
      stan_model(file = model_file, model_name = "eight_schools_noncentered", verbose = FALSE),
      error = function(e) fail(sprintf("compilation failed: %s", conditionMessage(e))))
    if (!is.na(cache_file)) saveRDS(sm, cache_file)
  }
  compile_seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))

  # --- sample (timed: warmup + sampling + returning draws) ---
  t1 <- Sys.time()
  fit <- tryCatch(
    sampling(sm, data = stan_data, chains = opt$chains, cores = opt$cores,
             iter = opt$warmup + opt$draws, warmup = opt$warmup, seed = opt$seed, refresh = 0,
             open_progress = FALSE),
    error = function(e) fail(sprintf("sampling failed: %s", conditionMessage(e))))
  sampling_seconds <- as.numeric(difftime(Sys.time(), t1, units = "secs"))
  if (!is(fit, "stanfit") || fit@mode != 0L) {
    fail("sampling failed: rstan returned a fit without draws (see stderr)")
  }
  if (length(fit@stan_args) != opt$chains) {
    fail(sprintf("sampling failed: only %d of %d chains returned draws (see stderr)",
                 length(fit@stan_args), opt$chains))
  }

  # --- diagnostics ---
  pars <- c("mu", "tau", sprintf("theta[%d]", seq_len(stan_data$J)))
  arr <- as.array(fit, pars = pars)              # iterations x chains x parameters, post-warmup only
  draws <- as_draws_array(arr)
  ess <- vapply(pars, function(p) ess_bulk(extract_variable_matrix(draws, p)), numeric(1))
  rh <- vapply(pars, function(p) rhat(extract_variable_matrix(draws, p)), numeric(1))
  sp_all <- get_sampler_params(fit, inc_warmup = TRUE)
  sp_post <- get_sampler_params(fit, inc_warmup = FALSE)
  grad_evals <- sum(vapply(sp_all, function(m) sum(m[, "n_leapfrog__"]), numeric(1)))
  divergences <- sum(vapply(sp_post, function(m) sum(m[, "divergent__"]), numeric(1)))
  elapsed <- get_elapsed_time(fit)               # Stan's own per-chain warmup/sample seconds
  mu <- as.vector(extract_variable_matrix(draws, "mu"))
  tau <- as.vector(extract_variable_matrix(draws, "tau"))
  min_ess <- min(ess)

  out_json(list(
    peer = "rstan",
    stan_version = stan_version(),
    rstan_version = as.character(packageVersion("rstan")),
    posterior_version = as.character(packageVersion("posterior")),
    model = "eight_schools_noncentered",
    chains = opt$chains, warmup = opt$warmup, draws = opt$draws, seed = opt$seed, cores = opt$cores,
    cxxflags = if (opt$makevars && file.exists(makevars)) "bench/peers/Makevars" else "R default",
    compile_cached = cached,
    compile_seconds = compile_seconds,
    sampling_seconds = sampling_seconds,
    # rstan hands back no draw before sampling() returns, so the first draw arrives after both.
    time_to_first_draw_seconds = compile_seconds + sampling_seconds,
    stan_chain_warmup_seconds = unname(elapsed[, "warmup"]),
    stan_chain_sample_seconds = unname(elapsed[, "sample"]),
    stan_chain_seconds_total = sum(elapsed),
    # C++ sampler throughput per CPU second, without rstan's R-side overhead (not the headline number).
    ess_bulk_per_stan_chain_second = min_ess / sum(elapsed),
    min_ess_bulk = min_ess,
    min_ess_bulk_variable = names(ess)[which.min(ess)],
    ess_bulk_per_second = min_ess / sampling_seconds,
    max_rhat = max(rh),
    divergences = divergences,
    gradient_evaluations = grad_evals,
    grad_evals_per_second = grad_evals / sampling_seconds,
    # every output, for the callers' posterior checks (mu, tau, theta[1..J])
    means = as.list(setNames(vapply(pars, function(p) mean(extract_variable_matrix(draws, p)), numeric(1)), pars)),
    sds = as.list(setNames(vapply(pars, function(p) sd(extract_variable_matrix(draws, p)), numeric(1)), pars)),
    ess_bulk = as.list(ess),
    host = list(nproc = parallel::detectCores(), r_version = R.version.string)
  ))
}

# Short stable hash of a string without extra packages (md5 of a temp file).
digest_key <- function(s) {
  f <- tempfile()
  on.exit(unlink(f))
  writeLines(s, f)
  unname(tools::md5sum(f))
}

# Everything R prints while compiling/sampling goes to stderr; only the JSON goes to stdout.
sink(stderr())
res <- tryCatch(withCallingHandlers(main(), warning = function(w) {
  message("warning: ", conditionMessage(w))
  invokeRestart("muffleWarning")
}), error = function(e) e)
while (sink.number() > 0) sink()
if (inherits(res, "error")) fail(conditionMessage(res))
