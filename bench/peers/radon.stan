// Radon (Gelman & Hill; data/radon_mn.json): log_radon ~ 1 + floor + (1 | county), non-centered,
// with the priors of lockstep's glmm radon benchmark (bench/glmm_radon.cpp):
//   b_Intercept, b_floor ~ normal(0, 10); sd_county, sigma ~ half-normal(0, 1); z ~ normal(0, 1).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county_idx[N];
  vector[N] floor_measure;
  vector[N] log_radon;
}
parameters {
  real b_Intercept;
  real b_floor;
  real<lower=0> sd_county;
  real<lower=0> sigma;
  vector[J] z;
}
model {
  b_Intercept ~ normal(0, 10);
  b_floor ~ normal(0, 10);
  sd_county ~ normal(0, 1);
  sigma ~ normal(0, 1);
  z ~ std_normal();
  log_radon ~ normal(b_Intercept + b_floor * floor_measure + sd_county * z[county_idx], sigma);
}
