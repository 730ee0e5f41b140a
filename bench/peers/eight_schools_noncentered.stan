// Eight Schools, non-centered parameterization (Rubin 1981; Gelman et al., BDA3 section 5.5),
// with the priors of posteriordb's eight_schools-eight_schools_noncentered model.
// Written in Stan 2.21 syntax (no `array[]` declarations) so Debian's rstan can compile it.
data {
  int<lower=0> J;            // number of schools
  real y[J];                 // estimated treatment effects
  real<lower=0> sigma[J];    // standard errors of the effects
}
parameters {
  real mu;                   // population mean effect
  real<lower=0> tau;         // population scale
  vector[J] theta_tilde;     // standardized school effects
}
transformed parameters {
  vector[J] theta = mu + tau * theta_tilde;  // school effects
}
model {
  mu ~ normal(0, 5);
  tau ~ cauchy(0, 5);
  theta_tilde ~ normal(0, 1);
  y ~ normal(theta, sigma);
}
