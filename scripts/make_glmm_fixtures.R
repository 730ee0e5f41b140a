#!/usr/bin/env Rscript
# Fixtures of the glmm family (tests/models/glmm_design_test.cpp, glmm_radon_test.cpp), made
# with R's model.matrix and lme4 (Debian: apt-get install -y r-base-core r-cran-lme4):
#   tests/fixtures/glmm/design_data.csv    a small table: numeric x, z; text f (levels B, a, c:
#                                          C-locale order), h; integer g (1, 2, 3, 10); group
#                                          columns grp (text) and site (integer)
#   tests/fixtures/glmm/model_matrix.json  for each formula: R's model.matrix of the fixed part
#                                          (column names and values) and, for each varying-effect
#                                          term (lme4's findbars), model.matrix of its left side
#                                          and the levels of its grouping factor
#   tests/fixtures/glmm/radon_lme4.json    lme4's REML fit of log_radon ~ 1 + floor + (1 | county)
#                                          on data/radon_mn.csv
# Run from the repository root: Rscript scripts/make_glmm_fixtures.R
suppressMessages(library(lme4))
Sys.setlocale("LC_COLLATE", "C")  # text levels sort by bytes, as lockstep sorts them

set.seed(14)
n <- 36
d <- data.frame(
  y = round(rnorm(n), 6),
  x = round(rnorm(n), 6),
  z = round(runif(n, -1, 2), 6),
  f = sample(c("B", "a", "c"), n, replace = TRUE),
  h = sample(c("lo", "hi"), n, replace = TRUE),
  g = sample(c(1L, 2L, 3L, 10L), n, replace = TRUE),
  grp = sample(c("north", "south", "east", "west", "Mid"), n, replace = TRUE),
  site = sample(1:6, n, replace = TRUE),
  stringsAsFactors = FALSE)
write.csv(d, "tests/fixtures/glmm/design_data.csv", row.names = FALSE)
d <- read.csv("tests/fixtures/glmm/design_data.csv", stringsAsFactors = FALSE)
# Text columns are factors; grouping columns (grp, site) are factors where they group.
d$f <- factor(d$f)
d$h <- factor(d$h)

formulas <- c(
  "y ~ x",
  "y ~ 0 + x",
  "y ~ x + f",
  "y ~ 0 + f",
  "y ~ f + h",
  "y ~ 0 + f + h",
  "y ~ x:f",
  "y ~ 0 + x:factor(g)",
  "y ~ x * f",
  "y ~ f * h",
  "y ~ x * z",
  "y ~ f:h",
  "y ~ x + f:x - 1",
  "y ~ (x + z + f)^2",
  "y ~ f / x",
  "y ~ h + x:f + f",
  "y ~ 0 + factor(g) + x:z",
  "y ~ z:x + x",
  "y ~ f + factor(g) + f:factor(g)",
  "y ~ -1 + x + h",
  "y ~ x + (1 | grp)",
  "y ~ 1 + x + (1 + x | grp) + (1 | site)",
  "y ~ 0 + x + (0 + x | site)",
  "y ~ f + (1 + f | grp)",
  "y ~ x + (0 + f | site) + (1 | grp:h)",
  "y ~ (1 | grp)"
)

mm <- function(f, data) {
  m <- model.matrix(f, data)
  list(names = colnames(m), matrix = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))))
}

cases <- lapply(formulas, function(txt) {
  f <- as.formula(txt)
  fixed <- lme4::nobars(f)
  if (length(fixed) == 2 || !inherits(fixed, "formula")) fixed <- y ~ 1
  bars <- lme4::findbars(f)
  out <- list(formula = txt, fixed = mm(fixed, d))
  out$bars <- lapply(bars, function(b) {
    lhs <- b[[2]]
    g <- b[[3]]
    gf <- if (is.name(g)) factor(d[[as.character(g)]]) else interaction(lapply(all.vars(g), function(v) d[[v]]), drop = TRUE, sep = "_", lex.order = TRUE)
    list(group = deparse(g), levels = levels(gf), effects = mm(eval(substitute(~ foo, list(foo = lhs))), d),
         level_of_row = as.integer(gf))
  })
  out
})

json_value <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x)) && all(names(x) != "")) {
      items <- mapply(function(k, v) paste0("\"", k, "\": ", json_value(v)), names(x), x)
      return(paste0("{", paste(items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(sapply(x, json_value), collapse = ", "), "]"))
  }
  if (is.character(x)) {
    s <- paste0("\"", gsub("\"", "\\\\\"", x), "\"")
  } else {
    s <- formatC(x, digits = 17, format = "g")
    s <- gsub(" ", "", s)
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) return(s)
  paste0("[", paste(s, collapse = ", "), "]")
}
# Length-1 vectors that are lists of names / levels must stay arrays.
as_array <- function(x) { attr(x, "array") <- TRUE; x }
cases <- lapply(cases, function(cs) {
  cs$fixed$names <- as_array(cs$fixed$names)
  cs$fixed$matrix <- lapply(cs$fixed$matrix, as_array)
  cs$bars <- lapply(cs$bars, function(b) {
    b$levels <- as_array(b$levels)
    b$effects$names <- as_array(b$effects$names)
    b$effects$matrix <- lapply(b$effects$matrix, as_array)
    b$level_of_row <- as_array(b$level_of_row)
    b
  })
  cs
})
writeLines(json_value(list(r_version = R.version.string, data = "tests/fixtures/glmm/design_data.csv",
                           cases = cases)),
           "tests/fixtures/glmm/model_matrix.json")

radon <- read.csv("data/radon_mn.csv")
fit <- lmer(log_radon ~ 1 + floor + (1 | county), data = radon, REML = TRUE)
vc <- as.data.frame(VarCorr(fit))
writeLines(json_value(list(
  lme4_version = as.character(packageVersion("lme4")),
  formula = "log_radon ~ 1 + floor + (1 | county)",
  b_Intercept = unname(fixef(fit)[1]), b_floor = unname(fixef(fit)[2]),
  sd_county__Intercept = vc$sdcor[vc$grp == "county"], sigma = sigma(fit))),
  "tests/fixtures/glmm/radon_lme4.json")
cat("wrote tests/fixtures/glmm/{design_data.csv,model_matrix.json,radon_lme4.json}\n")
