// gauss100_ill: x ~ N(mu, Sigma) with known mu and Sigma (data/gauss100_ill.json), the same target as
// lockstep's `gaussian` model (models/gaussian.hpp): log p(x) = -(x - mu)' P (x - mu) / 2, P = Sigma^-1
// formed once from the data. Stan 2.21 syntax (Debian's rstan).
data {
  int<lower=1> N;
  vector[N] mu;
  matrix[N, N] Sigma;
}
transformed data {
  matrix[N, N] P = inverse_spd(Sigma);
}
parameters {
  vector[N] x;
}
model {
  vector[N] r = x - mu;
  target += -0.5 * dot_product(r, P * r);
}
