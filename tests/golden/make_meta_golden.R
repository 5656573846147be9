# Golden reference values for `scar-evidence meta` (evidence/meta.py), computed with R metafor.
#
# Run from the repository root:
#     Rscript tests/golden/make_meta_golden.R
#
# Writes
#   tests/golden/meta/inputs/<dataset>.csv   the raw input, columns named as escalc()'s arguments
#   tests/golden/meta/<dataset>.json         a "source" block and one case per measure x method
#                                            x test (x subgroup column), each holding the object
#                                            `scar-evidence meta --json` must print
# The R code below reads the same CSV the command reads, so the test compares end to end.
# Conventions matched (documented in evidence/synthesis/*.py):
#   - ri missing -> rho (default 0.5) for MC and SMCR;
#   - subgroups: a separate rma() per level (own tau2, same method and test), then
#     rma(estimates, sei = se, method = "EE"); its QE is Q_between on J - 1 df;
#   - tau2 CI: confint(res) (Q-profile); null for EE models and k = 1;
#   - Egger: regtest(res) defaults (model = "rma", predictor = "sei"); null when k < 3;
#   - trim-and-fill: trimfill(res) defaults (L0, side from the data); null when k < 3;
#   - leave1out(res); null when k = 1.
# Errors inside metafor become null (tryCatch) and the Python side must agree.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
})
source(file.path("tests", "golden", "json.R"))

out_dir <- file.path("tests", "golden", "meta")
dir.create(file.path(out_dir, "inputs"), showWarnings = FALSE, recursive = TRUE)

write_input <- function(name, dat) {
  path <- file.path(out_dir, "inputs", paste0(name, ".csv"))
  fmt <- dat
  for (col in names(fmt)) {
    if (is.double(fmt[[col]])) fmt[[col]] <- ifelse(is.na(fmt[[col]]), "", sprintf("%.17g", fmt[[col]]))
  }
  write.csv(fmt, path, row.names = FALSE, quote = TRUE, na = "")
  path
}

or_null <- function(expr) tryCatch(expr, error = function(e) NA)

summarise <- function(yi, vi, study, method, test) {
  res <- rma.uni(yi, vi, method = method, test = test)
  k <- res$k
  pred <- predict(res)
  tau2_ci <- c(NA, NA, NA)
  if (!(method %in% c("EE", "FE")) && k >= 2) {
    tau2_ci <- or_null(suppressWarnings(confint(res)$random["tau^2", ]))
  }
  l1o <- NULL
  if (k >= 2) {
    l <- suppressWarnings(leave1out(res))
    if (is.null(l$zval)) l$zval <- l$tval  # leave1out() names it tval under test = "knha"
    l1o <- json_array(lapply(seq_len(k), function(i) list(
      study = study[i], estimate = l$estimate[i], se = l$se[i], zval = l$zval[i],
      pval = l$pval[i], ci_lb = l$ci.lb[i], ci_ub = l$ci.ub[i], Q = l$Q[i], Qp = l$Qp[i],
      tau2 = l$tau2[i], I2 = l$I2[i], H2 = l$H2[i]
    )))
  }
  egger_p <- NA
  tf <- NULL
  if (k >= 3) {
    egger_p <- or_null(suppressWarnings(regtest(res)$pval))
    tf <- tryCatch(suppressWarnings(trimfill(res)), error = function(e) NULL)
  }
  list(
    k = k, estimate = c(res$beta), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
    pval = res$pval, tau2 = res$tau2, tau2_ci_lb = tau2_ci[2], tau2_ci_ub = tau2_ci[3],
    I2 = res$I2, H2 = res$H2, Q = res$QE, Qp = res$QEp,
    pi_lb = if (is.null(pred$pi.lb)) NA else pred$pi.lb,
    pi_ub = if (is.null(pred$pi.ub)) NA else pred$pi.ub,
    weights = num_array(unname(weights(res))),
    leave1out = l1o,
    egger_p = egger_p,
    trimfill_estimate = if (is.null(tf)) NA else c(tf$beta),
    trimfill_k0 = if (is.null(tf)) NA else tf$k0
  )
}

escalc_call <- function(measure, dat, rho) {
  if (measure %in% c("MC", "SMCR")) {
    ri <- if ("ri" %in% names(dat)) dat$ri else rep(NA_real_, nrow(dat))
    ri[is.na(ri)] <- rho
    if (measure == "MC") {
      return(escalc(measure = "MC", m1i = dat$m1i, sd1i = dat$sd1i, m2i = dat$m2i,
                    sd2i = dat$sd2i, ni = dat$ni, ri = ri))
    }
    return(escalc(measure = "SMCR", m1i = dat$m1i, sd1i = dat$sd1i, m2i = dat$m2i,
                  ni = dat$ni, ri = ri))
  }
  switch(measure,
    MD = , SMD = escalc(measure = measure, m1i = dat$m1i, sd1i = dat$sd1i, n1i = dat$n1i,
                        m2i = dat$m2i, sd2i = dat$sd2i, n2i = dat$n2i),
    PLO = , PR = escalc(measure = measure, xi = dat$xi, ni = dat$ni),
    RR = , OR = , RD = escalc(measure = measure, ai = dat$ai, n1i = dat$n1i,
                              ci = dat$ci, n2i = dat$n2i),
    GEN = data.frame(yi = dat$yi, vi = dat$vi)
  )
}

run_case <- function(dat, measure, method, test, by = NULL, mods = NULL, rho = 0.5) {
  es <- escalc_call(measure, dat, rho)
  yi <- c(es$yi)
  vi <- c(es$vi)
  study <- if ("study" %in% names(dat)) as.character(dat$study) else paste("Study", seq_along(yi))
  expected <- list(
    overall = summarise(yi, vi, study, method, test),
    yi = num_array(yi), vi = num_array(vi),
    subgroups = NULL, Q_between = NA, Q_between_df = NA, Q_between_p = NA,
    QM = NA, QMp = NA, metareg = NULL
  )
  if (!is.null(by)) {
    g <- as.character(dat[[by]])
    levels <- sort(unique(g), method = "radix")  # C-locale order, as Python's sorted()
    subs <- list()
    est <- se <- numeric(0)
    for (lev in levels) {
      idx <- which(g == lev)
      subs[[lev]] <- summarise(yi[idx], vi[idx], study[idx], method, test)
      est <- c(est, subs[[lev]]$estimate)
      se <- c(se, subs[[lev]]$se)
    }
    expected$subgroups <- subs
    if (length(levels) >= 2 && all(se > 0)) {
      between <- rma(est, sei = se, method = "EE")
      expected$Q_between <- between$QE
      expected$Q_between_df <- length(levels) - 1
      expected$Q_between_p <- between$QEp
    }
  }
  if (!is.null(mods)) {
    mdat <- dat[mods]
    mdat$yi <- yi
    mdat$vi <- vi
    f <- as.formula(paste("~", paste(mods, collapse = " + ")))
    reg <- rma.uni(yi, vi, mods = f, data = mdat, method = method, test = test)
    expected$QM <- reg$QM
    expected$QMp <- reg$QMp
    expected$metareg <- list(
      names = json_array(rownames(reg$beta)),
      estimate = num_array(c(reg$beta)), se = num_array(reg$se), zval = num_array(reg$zval),
      pval = num_array(reg$pval), ci_lb = num_array(reg$ci.lb), ci_ub = num_array(reg$ci.ub),
      tau2 = reg$tau2, QE = reg$QE, QEp = reg$QEp, QM = reg$QM, QMp = reg$QMp,
      I2 = reg$I2, H2 = reg$H2
    )
  }
  call <- sprintf(
    paste0("escalc(measure = \"%s\", ...); rma.uni(yi, vi, method = \"%s\", test = \"%s\"); ",
           "predict(); weights(); confint(); leave1out(); regtest(); trimfill()%s%s"),
    measure, method, test,
    if (is.null(by)) "" else sprintf("; per-subgroup rma() by %s + rma(est, sei = se, method = \"EE\")", by),
    if (is.null(mods)) "" else sprintf("; rma.uni(yi, vi, mods = ~ %s, method = \"%s\", test = \"%s\")",
                                       paste(mods, collapse = " + "), method, test)
  )
  list(
    args = list(measure = measure, method = method, test = test, rho = rho,
                by = if (is.null(by)) NA else by,
                mods = if (is.null(mods)) json_array(list()) else json_array(mods)),
    call = call,
    expected = expected
  )
}

datasets <- list()
specs <- list()
origin <- list()

# ---- metadat: BCG vaccine trials (RR, OR); subgroups by allocation, moderator absolute latitude.
bcg <- dat.bcg
datasets$bcg <- data.frame(
  study = paste(bcg$author, bcg$year), ai = bcg$tpos, n1i = bcg$tpos + bcg$tneg,
  ci = bcg$cpos, n2i = bcg$cpos + bcg$cneg, alloc = bcg$alloc, ablat = as.double(bcg$ablat)
)
origin$bcg <- "metadat dat.bcg (Colditz et al. 1994): ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg"
specs$bcg <- list(measures = c("RR", "OR"), methods = c("REML", "DL", "PM", "EE"),
                  by = list("alloc"), mods = c("ablat"))

# ---- metadat: Normand 1999 length of stay (MD, SMD).
nor <- dat.normand1999
datasets$normand1999 <- data.frame(
  study = nor$source, m1i = as.double(nor$m1i), sd1i = as.double(nor$sd1i), n1i = nor$n1i,
  m2i = as.double(nor$m2i), sd2i = as.double(nor$sd2i), n2i = nor$n2i
)
origin$normand1999 <- "metadat dat.normand1999 (Normand 1999), columns as given"
specs$normand1999 <- list(measures = c("MD", "SMD"), methods = c("REML", "DL", "HE", "SJ"),
                          by = list(NULL), mods = NULL)

# ---- metadat: Hackshaw 1998 passive smoking (GEN: log odds ratios given with variances).
hs <- dat.hackshaw1998
datasets$hackshaw1998 <- data.frame(
  study = paste(hs$author, hs$year), yi = hs$yi, vi = hs$vi, design = hs$design,
  year = as.double(hs$year)
)
origin$hackshaw1998 <- "metadat dat.hackshaw1998 (Hackshaw et al. 1997): yi, vi as given"
specs$hackshaw1998 <- list(measures = c("GEN"), methods = c("REML", "ML", "DL"),
                           by = list("design"), mods = c("year"))

# ---- metadat: Pritz 1997 proportions (PLO, PR).
pr <- dat.pritz1997
datasets$pritz1997 <- data.frame(study = pr$authors, xi = pr$xi, ni = pr$ni)
origin$pritz1997 <- "metadat dat.pritz1997 (Pritz 1997): xi, ni as given (two studies with xi = ni get the 1/2 correction)"
specs$pritz1997 <- list(measures = c("PLO", "PR"), methods = c("REML", "DL", "PM"),
                        by = list(NULL), mods = NULL)

# ---- SYNTHETIC microneedling pre/post studies (MC, SMCR). Invented numbers shaped like the
#      literature (Goodman-Baron quantitative score, baseline m1i, follow-up m2i); NOT data from
#      any real study. ri missing in four rows (rho = 0.5 is used).
datasets$microneedling_prepost_synthetic <- data.frame(
  study = paste("SYNTHETIC pre/post", 1:12),
  m1i = c(14.2, 11.8, 16.5, 12.9, 15.1, 10.4, 17.3, 13.6, 12.2, 18.1, 11.1, 15.8),
  sd1i = c(4.1, 3.6, 5.2, 3.9, 4.8, 3.1, 5.5, 4.0, 3.7, 5.9, 3.3, 4.6),
  m2i = c(8.9, 8.1, 9.7, 9.6, 8.2, 7.9, 9.1, 9.9, 8.8, 9.4, 8.6, 10.2),
  sd2i = c(3.8, 3.3, 4.6, 3.7, 4.1, 3.0, 4.9, 3.8, 3.5, 5.1, 3.2, 4.4),
  ni = c(30, 24, 45, 18, 36, 22, 40, 26, 20, 50, 16, 34),
  ri = c(0.6, NA, 0.45, 0.7, NA, 0.55, 0.5, NA, 0.65, 0.4, NA, 0.6),
  skin_type = c("I-III", "IV-VI", "I-III", "IV-VI", "I-III", "IV-VI",
                "I-III", "IV-VI", "IV-VI", "I-III", "IV-VI", "I-III"),
  severity = c("moderate", "moderate", "severe", "moderate", "severe", "moderate",
               "severe", "moderate", "moderate", "severe", "moderate", "severe"),
  sessions = c(3, 4, 5, 3, 4, 3, 6, 3, 4, 5, 3, 4)
)
origin$microneedling_prepost_synthetic <- "SYNTHETIC (invented for tests; not evidence)"
specs$microneedling_prepost_synthetic <- list(
  measures = c("MC", "SMCR"), methods = c("REML", "DL", "PM", "EE"),
  by = list("skin_type", "severity"), mods = c("sessions")
)

# ---- SYNTHETIC two-arm microneedling + PRP vs microneedling alone (MD, SMD) by skin type.
datasets$microneedling_twoarm_synthetic <- data.frame(
  study = paste("SYNTHETIC RCT", 1:8),
  m1i = c(6.1, 5.4, 7.2, 4.8, 6.6, 5.9, 7.8, 5.1),
  sd1i = c(2.9, 2.5, 3.4, 2.2, 3.1, 2.7, 3.6, 2.4),
  n1i = c(25, 30, 20, 40, 22, 35, 18, 28),
  m2i = c(4.9, 4.6, 5.1, 4.2, 5.0, 4.4, 5.6, 4.5),
  sd2i = c(2.7, 2.6, 3.2, 2.3, 2.9, 2.5, 3.3, 2.2),
  n2i = c(25, 30, 20, 40, 22, 35, 18, 28),
  skin_type = c("I-III", "I-III", "IV-VI", "IV-VI", "I-III", "IV-VI", "IV-VI", "I-III"),
  severity = c("moderate", "severe", "severe", "moderate", "moderate", "severe", "severe", "moderate")
)
origin$microneedling_twoarm_synthetic <- "SYNTHETIC (invented for tests; not evidence); group 1 = microneedling + PRP, group 2 = microneedling; yi = improvement difference"
specs$microneedling_twoarm_synthetic <- list(
  measures = c("MD", "SMD"), methods = c("REML", "DL"), by = list("skin_type", "severity"),
  mods = NULL
)

# ---- SYNTHETIC degenerate: zero cells (one study with no events at all, one with none in
#      one arm), three studies; tests the 1/2 correction for RR, OR and RD.
datasets$zero_events_synthetic <- data.frame(
  study = paste("SYNTHETIC zero", 1:4),
  ai = c(0, 0, 5, 3), n1i = c(20, 25, 30, 40), ci = c(0, 4, 9, 6), n2i = c(22, 25, 31, 38)
)
origin$zero_events_synthetic <- "SYNTHETIC (invented for tests; not evidence)"
specs$zero_events_synthetic <- list(measures = c("RR", "OR", "RD"), methods = c("REML", "DL"),
                                    by = list(NULL), mods = NULL)

# ---- SYNTHETIC degenerate: one study (k = 1) and a homogeneous set (tau2 = 0).
datasets$k1_synthetic <- data.frame(study = "SYNTHETIC only", yi = 0.5, vi = 0.04)
origin$k1_synthetic <- "SYNTHETIC (invented for tests; not evidence)"
specs$k1_synthetic <- list(measures = c("GEN"), methods = c("REML", "EE"), by = list(NULL), mods = NULL)

datasets$homogeneous_synthetic <- data.frame(
  study = paste("SYNTHETIC", LETTERS[1:5]),
  yi = c(0.10, 0.12, 0.08, 0.11, 0.09), vi = c(0.04, 0.05, 0.03, 0.06, 0.045),
  arm = c("a", "a", "b", "b", "b")
)
origin$homogeneous_synthetic <- "SYNTHETIC (invented for tests; not evidence)"
specs$homogeneous_synthetic <- list(measures = c("GEN"), methods = c("REML", "DL", "PM"),
                                    by = list("arm"), mods = NULL)

tests <- c("z", "knha")
for (name in names(datasets)) {
  path <- write_input(name, datasets[[name]])
  dat <- read.csv(path, stringsAsFactors = FALSE)
  spec <- specs[[name]]
  cases <- list()
  for (measure in spec$measures) for (method in spec$methods) for (test in tests) {
    for (by in spec$by) {
      cases[[length(cases) + 1L]] <- run_case(dat, measure, method, test, by = by, mods = spec$mods)
    }
  }
  doc <- list(
    source = list(
      dataset = name,
      origin = origin[[name]],
      r_version = R.version.string,
      metafor_version = as.character(packageVersion("metafor")),
      metadat_version = as.character(packageVersion("metadat")),
      generated_by = "tests/golden/make_meta_golden.R",
      date = format(Sys.Date()),
      input_file = sub(paste0("^", file.path("tests", "golden"), "/"), "", path)
    ),
    cases = json_array(cases)
  )
  writeLines(to_json(doc), file.path(out_dir, paste0(name, ".json")))
  cat("wrote", name, length(cases), "cases\n")
}
