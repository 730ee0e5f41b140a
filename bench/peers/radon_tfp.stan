// The seeds' radon GLMM (a TensorFlow Probability notebook's model), the peer of lockstep vi's
// radon benchmark (bench/vi_radon.cpp): sigma fixed to 1, centered county effects,
//   intercept, floor_weight ~ normal(0, 1); county_scale ~ half-normal(0, 1);
//   county_effect[j] ~ normal(0, county_scale); log_radon ~ normal(intercept + floor_weight *
//   floor + county_effect[county], 1).
data {
  int<lower=1> N;
  int<lower=1> J;
  int<lower=1, upper=J> county_idx[N];
  vector[N] floor_measure;
  vector[N] log_radon;
}
parameters {
  real intercept;
  real floor_weight;
  real<lower=0> county_scale;
  vector[J] county_effect;
}
model {
  intercept ~ normal(0, 1);
  floor_weight ~ normal(0, 1);
  county_scale ~ normal(0, 1);
  county_effect ~ normal(0, county_scale);
  log_radon ~ normal(intercept + floor_weight * floor_measure + county_effect[county_idx], 1);
}
