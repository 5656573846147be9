# Golden reference values for evidence/synthesis/pooling.py, computed with R metafor.
#
# Run from the repository root:
#     Rscript tests/golden/make_golden.R
#
# Writes, for every dataset,
#   tests/golden/inputs/<dataset>.csv      the yi/vi fed to rma() (17 significant digits)
#   tests/golden/pooling/<dataset>.json    a "source" block and one case per method x test
# Each case holds every field of evidence.synthesis.pooling.RMAResult under its Python name
# (se_tau2 is res$se.tau2; the tau2, I2 and H2 bounds are confint(res)'s Q-profile CIs).
# jsonlite is not installed on the build machine, so a small writer below emits JSON with
# sprintf("%.17g") (full double precision); NA/NULL become null.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})

out_dir <- file.path("tests", "golden")
dir.create(file.path(out_dir, "inputs"), showWarnings = FALSE, recursive = TRUE)
dir.create(file.path(out_dir, "pooling"), showWarnings = FALSE, recursive = TRUE)

methods <- c("EE", "DL", "HE", "SJ", "PM", "ML", "REML")
tests <- c("z", "knha")

source(file.path("tests", "golden", "json.R"))

# ---- inputs -------------------------------------------------------------------------------
write_input <- function(name, dat) {
  path <- file.path(out_dir, "inputs", paste0(name, ".csv"))
  fmt <- dat
  for (col in names(fmt)) {
    if (is.double(fmt[[col]])) fmt[[col]] <- sprintf("%.17g", fmt[[col]])
  }
  write.csv(fmt, path, row.names = FALSE, quote = TRUE)
  path
}

datasets <- list()
calls <- list()

# (a) BCG vaccine trials, log risk ratios.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets$bcg <- data.frame(study = paste(bcg$author, bcg$year), yi = c(bcg$yi), vi = c(bcg$vi))
calls$bcg <- paste0(
  'escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)'
)

# (b) Normand (1999) length of hospital stay, raw mean differences.
nor <- escalc(
  measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i,
  m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999
)
datasets$normand1999 <- data.frame(study = nor$source, yi = c(nor$yi), vi = c(nor$vi))
calls$normand1999 <- paste0(
  'escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, ',
  "m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)"
)

# (c) SYNTHETIC microneedling pre/post studies: Goodman-Baron quantitative scores (0-84),
#     baseline (m1i) and follow-up (m2i); yi = baseline - follow-up = improvement.
#     Invented numbers shaped like the literature; NOT data from any real study.
mn_raw <- data.frame(
  study = paste("synthetic microneedling", 1:6),
  m1i = c(14.2, 11.8, 16.5, 12.9, 15.1, 10.4),
  sd1i = c(4.1, 3.6, 5.2, 3.9, 4.8, 3.1),
  m2i = c(8.9, 8.1, 9.7, 9.6, 8.2, 7.9),
  sd2i = c(3.8, 3.3, 4.6, 3.7, 4.1, 3.0),
  ni = c(30, 24, 45, 18, 36, 22)
)
mn <- escalc(
  measure = "MC", m1i = m1i, sd1i = sd1i, m2i = m2i, sd2i = sd2i,
  ni = ni, ri = rep(0.5, 6), data = mn_raw
)
datasets$microneedling_synthetic <- data.frame(mn_raw, ri = 0.5, yi = c(mn$yi), vi = c(mn$vi))
calls$microneedling_synthetic <- paste0(
  'escalc(measure = "MC", m1i = m1i, sd1i = sd1i, m2i = m2i, sd2i = sd2i, ',
  "ni = ni, ri = rep(0.5, 6), data = mn_raw)"
)

# (d1) SYNTHETIC k = 2.
datasets$k2_synthetic <- data.frame(
  study = c("synthetic A", "synthetic B"), yi = c(0.5, 1.2), vi = c(0.05, 0.08)
)
calls$k2_synthetic <- "data.frame(yi = c(0.5, 1.2), vi = c(0.05, 0.08))"

# (d2) SYNTHETIC homogeneous: Q < k - 1, so DL, HE, PM, ML and REML estimate tau2 = 0
#      (SJ is positive whenever the yi are not all equal).
datasets$homogeneous_synthetic <- data.frame(
  study = paste("synthetic", LETTERS[1:5]),
  yi = c(0.10, 0.12, 0.08, 0.11, 0.09), vi = c(0.04, 0.05, 0.03, 0.06, 0.045)
)
calls$homogeneous_synthetic <- paste0(
  "data.frame(yi = c(0.10, 0.12, 0.08, 0.11, 0.09), vi = c(0.04, 0.05, 0.03, 0.06, 0.045))"
)

# (d3) domain.md section 6, vector T6.
datasets$domain_t6 <- data.frame(
  study = paste("T6", 1:5),
  yi = c(-3.4, -0.4, -2.9, -0.6, -1.8), vi = c(0.50, 0.40, 0.90, 0.30, 0.60)
)
calls$domain_t6 <- paste0(
  "data.frame(yi = c(-3.4, -0.4, -2.9, -0.6, -1.8), vi = c(0.50, 0.40, 0.90, 0.30, 0.60))"
)

# (e) SYNTHETIC k = 1 (metafor sets test = "z" and tau2 = 0).
datasets$k1_synthetic <- data.frame(study = "synthetic only", yi = 0.5, vi = 0.04)
calls$k1_synthetic <- "data.frame(yi = 0.5, vi = 0.04)"

# ---- fits ---------------------------------------------------------------------------------
fit_case <- function(dat, method, test) {
  res <- suppressWarnings(rma.uni(yi = dat$yi, vi = dat$vi, method = method, test = test))
  pred <- predict(res)
  # confint() stops for EE models and k = 1: those bounds are null
  ci <- tryCatch(suppressWarnings(confint(res)$random), error = function(e) matrix(
    NA, 4, 3, dimnames = list(c("tau^2", "tau", "I^2(%)", "H^2"), NULL)))
  pi_lb <- if (is.null(pred$pi.lb)) NA else pred$pi.lb
  pi_ub <- if (is.null(pred$pi.ub)) NA else pred$pi.ub
  dfs <- if (res$test == "z") NA else res$ddf
  list(
    method = method,
    test_requested = test,
    call = sprintf(
      'rma.uni(yi, vi, method = "%s", test = "%s"); predict(res); weights(res); confint(res)',
      method, test),
    k = res$k,
    beta = c(res$beta),
    se = res$se,
    zval = res$zval,
    pval = res$pval,
    ci_lb = res$ci.lb,
    ci_ub = res$ci.ub,
    tau2 = res$tau2,
    QE = res$QE,
    QEp = res$QEp,
    I2 = res$I2,
    H2 = res$H2,
    pi_lb = pi_lb,
    pi_ub = pi_ub,
    weights = num_array(unname(weights(res))),
    test = res$test,
    dfs = dfs,
    se_tau2 = res$se.tau2,
    tau2_ci_lb = ci["tau^2", 2],
    tau2_ci_ub = ci["tau^2", 3],
    I2_ci_lb = ci["I^2(%)", 2],
    I2_ci_ub = ci["I^2(%)", 3],
    H2_ci_lb = ci["H^2", 2],
    H2_ci_ub = ci["H^2", 3]
  )
}

for (name in names(datasets)) {
  dat <- datasets[[name]]
  input_path <- write_input(name, dat)
  cases <- list()
  for (m in methods) for (t in tests) cases[[length(cases) + 1L]] <- fit_case(dat, m, t)
  doc <- list(
    source = list(
      dataset = name,
      r_version = R.version.string,
      metafor_version = as.character(packageVersion("metafor")),
      metadat_version = as.character(packageVersion("metadat")),
      generated_by = "tests/golden/make_golden.R",
      date = format(Sys.Date()),
      input_file = sub(paste0("^", out_dir, "/"), "", input_path),
      input_call = calls[[name]],
      fit_calls = paste0(
        "res <- rma.uni(yi = dat$yi, vi = dat$vi, method = method, test = test); ",
        "pred <- predict(res); w <- weights(res); ci <- confint(res)$random; ",
        "EE has no prediction interval (null); dfs is null for test = \"z\"; ",
        "se_tau2 = res$se.tau2 and the tau2/I2/H2 bounds of confint() are null where metafor ",
        "gives none (EE, k = 1)"
      )
    ),
    cases = json_array(cases)
  )
  writeLines(to_json(doc), file.path(out_dir, "pooling", paste0(name, ".json")))
  cat("wrote", name, "\n")
}
