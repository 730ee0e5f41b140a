// The seed's hierarchical slopes, non-centered: brms-style names as lockstep's glmm writes them for
// `y ~ 0 + x + (0 + x | group)` with `b ~ normal(0, 1)`, `sd ~ exponential(13)`,
// `sigma ~ exponential(10)` (README, "The seed's slope models"; PyMC's tutorial model:
// mu_slope = b_x, sigma_slope = sd_group__x, noise = sigma, slope[j] = b_x + r_group[j]).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> group[N];
  vector[N] x;
  vector[N] y;
}
parameters {
  real b_x;
  real<lower=0> sd_group__x;
  real<lower=0> sigma;
  vector[J] z;
}
transformed parameters {
  vector[J] r_group = sd_group__x * z;
}
model {
  b_x ~ normal(0, 1);
  sd_group__x ~ exponential(13);
  sigma ~ exponential(10);
  z ~ std_normal();
  y ~ normal((b_x + r_group[group]) .* x, sigma);
}
