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
#   - tau2, I2 and H2 CIs: confint(res) (Q-profile); null for EE models and k = 1, where
#     confint() stops; tau2_se: res$se.tau2 (null for EE and k = 1);
#   - R2 of a meta-regression: res$R2 (metafor's pseudo-R2, r2def = "1");
#   - missing values: rows with NA in a column the measure needs are omitted (escalc() gives
#     NA, rma() drops them with na.action = "na.omit"); `omitted` lists their study labels;
#   - two-by-two tables given as cells (ai, bi, ci, di) go to escalc() as cells;
#   - control: with no control given, ML/REML/PM are fitted with metafor's defaults and, when
#     those do not converge, with the remedies of evidence/synthesis/control.py in turn
#     (fit_rma() below); leave1out() and regtest() then use the model's control and
#     trimfill() gets it through `...`; `control` in a block is the one that converged;
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

write_input <- function(name, dat, na = "") {
  path <- file.path(out_dir, "inputs", paste0(name, ".csv"))
  fmt <- dat
  for (col in names(fmt)) {
    if (is.double(fmt[[col]])) fmt[[col]] <- ifelse(is.na(fmt[[col]]), na, sprintf("%.17g", fmt[[col]]))
  }
  write.csv(fmt, path, row.names = FALSE, quote = TRUE, na = na)
  path
}

or_null <- function(expr) tryCatch(expr, error = function(e) NA)

# ---- the project's convergence policy (evidence/synthesis/control.py), written out in R ----
iterative <- c("ML", "REML", "PM")
remedies <- function(method) {
  if (method %in% c("ML", "REML")) {
    return(list(list(), list(stepadj = 0.5), list(stepadj = 0.5, maxiter = 1000),
                list(stepadj = 0.25, maxiter = 1000)))
  }
  if (method == "PM") return(list(list(), list(maxiter = 1000)))
  list(list())
}
# rma.uni() with `control` as given, or (control = NULL) with each remedy until one converges.
fit_rma <- function(yi, vi, method, test, control = NULL, mods = NULL, data = NULL) {
  tries <- if (is.null(control)) remedies(method) else list(control)
  for (ctrl in tries) {
    res <- tryCatch(
      if (is.null(mods)) {
        rma.uni(yi, vi, method = method, test = test, control = ctrl)
      } else {
        rma.uni(yi, vi, mods = mods, data = data, method = method, test = test, control = ctrl)
      },
      error = function(e) e
    )
    if (!inherits(res, "error")) return(res)
  }
  stop(res)
}
control_json <- function(res) {
  if (!(res$method %in% iterative) || res$k == 1) return(NA)
  con <- modifyList(list(threshold = 1e-5, maxiter = 100, stepadj = 1), res$control)
  list(threshold = con$threshold, maxiter = con$maxiter, stepadj = con$stepadj)
}
parse_control <- function(text) {
  if (is.null(text) || is.na(text)) return(NULL)
  out <- list()
  for (item in strsplit(text, ",")[[1]]) {
    kv <- strsplit(item, "=")[[1]]
    out[[trimws(kv[1])]] <- as.numeric(kv[2])
  }
  out
}

summarise <- function(yi, vi, study, method, test, control = NULL) {
  res <- fit_rma(yi, vi, method, test, control)
  k <- res$k
  pred <- predict(res)
  ci <- matrix(NA, 4, 3, dimnames = list(c("tau^2", "tau", "I^2(%)", "H^2"), NULL))
  if (!(method %in% c("EE", "FE")) && k >= 2) {
    ci <- tryCatch(suppressWarnings(confint(res)$random), error = function(e) ci)
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
    tf <- tryCatch(suppressWarnings(trimfill(res, control = res$control)), error = function(e) NULL)
  }
  list(
    k = k, estimate = c(res$beta), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
    pval = res$pval, tau2 = res$tau2, tau2_se = res$se.tau2,
    tau2_ci_lb = ci["tau^2", 2], tau2_ci_ub = ci["tau^2", 3],
    I2 = res$I2, I2_ci_lb = ci["I^2(%)", 2], I2_ci_ub = ci["I^2(%)", 3],
    H2 = res$H2, H2_ci_lb = ci["H^2", 2], H2_ci_ub = ci["H^2", 3],
    control = control_json(res),
    Q = res$QE, Qp = res$QEp,
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
  if (measure %in% c("RR", "OR", "RD") && "bi" %in% names(dat)) {
    return(escalc(measure = measure, ai = dat$ai, bi = dat$bi, ci = dat$ci, di = dat$di))
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

run_case <- function(dat, measure, method, test, by = NULL, mods = NULL, rho = 0.5,
                     control = NULL) {
  ctrl <- parse_control(control)
  es <- escalc_call(measure, dat, rho)
  study <- if ("study" %in% names(dat)) as.character(dat$study) else paste("Study", seq_len(nrow(dat)))
  # na.omit: a row whose effect size is NA (a value the measure needs is missing) is left out
  keep <- !is.na(es$yi) & !is.na(es$vi)
  omitted <- study[!keep]
  dat <- dat[keep, , drop = FALSE]
  study <- study[keep]
  yi <- c(es$yi)[keep]
  vi <- c(es$vi)[keep]
  expected <- list(
    omitted = json_array(omitted),
    overall = summarise(yi, vi, study, method, test, ctrl),
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
      subs[[lev]] <- summarise(yi[idx], vi[idx], study[idx], method, test, ctrl)
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
    reg <- fit_rma(yi, vi, method, test, ctrl, mods = f, data = mdat)
    r2 <- if (is.null(reg$R2)) NA else reg$R2
    if (is.na(r2) && is.null(ctrl) && reg$method %in% iterative) {
      # metafor's R2 is NA when the model without moderators does not converge with the
      # control the meta-regression used; the project then tries the remedies (control.py)
      for (c0 in c(list(reg$control), remedies(method))) {
        res0 <- tryCatch(rma.uni(yi, vi, method = method, test = test, control = c0),
                         error = function(e) NULL)
        if (!is.null(res0)) {
          r2 <- if (identical(res0$tau2, 0)) 0 else max(0, 100 * (res0$tau2 - reg$tau2) / res0$tau2)
          break
        }
      }
    }
    expected$QM <- reg$QM
    expected$QMp <- reg$QMp
    expected$metareg <- list(
      names = json_array(rownames(reg$beta)),
      estimate = num_array(c(reg$beta)), se = num_array(reg$se), zval = num_array(reg$zval),
      pval = num_array(reg$pval), ci_lb = num_array(reg$ci.lb), ci_ub = num_array(reg$ci.ub),
      tau2 = reg$tau2, QE = reg$QE, QEp = reg$QEp, QM = reg$QM, QMp = reg$QMp,
      I2 = reg$I2, H2 = reg$H2, R2 = r2,
      control = control_json(reg)
    )
  }
  call <- sprintf(
    paste0("escalc(measure = \"%s\", ...); rma.uni(yi, vi, method = \"%s\", test = \"%s\"%s); ",
           "predict(); weights(); confint(); leave1out(); regtest(); trimfill()%s%s"),
    measure, method, test,
    if (is.null(ctrl)) "" else sprintf(", control = list(%s)", control),
    if (is.null(by)) "" else sprintf("; per-subgroup rma() by %s + rma(est, sei = se, method = \"EE\")", by),
    if (is.null(mods)) "" else sprintf("; rma.uni(yi, vi, mods = ~ %s, method = \"%s\", test = \"%s\")",
                                       paste(mods, collapse = " + "), method, test)
  )
  list(
    args = list(measure = measure, method = method, test = test, rho = rho,
                by = if (is.null(by)) NA else by,
                mods = if (is.null(mods)) json_array(list()) else json_array(mods),
                control = if (is.null(control)) NA else control),
    call = call,
    expected = expected
  )
}

datasets <- list()
specs <- list()
origin <- list()
na_text <- list()

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

# ---- metadat: Yusuf 1985, table 6 (beta blockers, short-term mortality). Study "Snow 1" has
#      no counts (all NA): metafor omits it and fits the other 21 studies.
yu <- dat.yusuf1985[dat.yusuf1985$table == "6", ]
datasets$yusuf1985 <- data.frame(study = yu$trial, ai = yu$ai, n1i = yu$n1i, ci = yu$ci, n2i = yu$n2i)
na_text$yusuf1985 <- "NA"
origin$yusuf1985 <- "metadat dat.yusuf1985, table == \"6\" (Yusuf et al. 1985): ai, n1i, ci, n2i as given; NA written as NA"
specs$yusuf1985 <- list(measures = c("OR", "RR"), methods = c("REML", "DL"), by = list(NULL),
                        mods = NULL)

# ---- metadat: BCG vaccine trials in their classic cell form (ai = tpos, bi = tneg, ci = cpos,
#      di = cneg); the analysis of Viechtbauer (2010, J Stat Softw 36(3)), with R2 for ablat.
datasets$bcg_cells <- data.frame(
  study = paste(bcg$author, bcg$year), ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos,
  di = bcg$cneg, alloc = bcg$alloc, ablat = as.double(bcg$ablat)
)
origin$bcg_cells <- "metadat dat.bcg (Colditz et al. 1994): ai = tpos, bi = tneg, ci = cpos, di = cneg"
specs$bcg_cells <- list(measures = c("RR", "OR", "RD"), methods = c("REML", "ML", "EE"),
                        by = list("alloc"), mods = c("ablat"))

# ---- SYNTHETIC: one arm of one Fitzpatrick type in 8 studies, shaped like a pipeline stratum
#      (mean improvements on the Goodman-Baron quantitative scale, vi = SD^2 / n, patient-level
#      and study-level arms of very different precision). metafor's default Fisher scoring
#      for REML does not converge here; control = list(stepadj = 0.5) does. NOT evidence.
datasets$reml_nonconvergence_synthetic <- data.frame(
  study = paste("SYNTHETIC stratum", 1:8),
  yi = c(11.95, 10.17, 10.65, 8.71, 8.87, 11.02, 9.5, 9.33),
  vi = c(0.58953, 5.9946, 43.51601, 3.47817, 13.56844, 24.10015, 8.1102, 1.54612),
  ni = c(42, 41, 6, 34, 14, 7, 28, 27),
  sessions = c(3, 4, 3, 5, 4, 6, 3, 4)
)
with(datasets$reml_nonconvergence_synthetic, {
  stopifnot(inherits(try(rma(yi, vi, method = "REML"), silent = TRUE), "try-error"))
  stopifnot(!inherits(try(rma(yi, vi, method = "REML", control = list(stepadj = 0.5)), silent = TRUE), "try-error"))
})
origin$reml_nonconvergence_synthetic <- "SYNTHETIC (invented for tests; not evidence): default REML Fisher scoring does not converge, stepadj = 0.5 does"
specs$reml_nonconvergence_synthetic <- list(
  measures = c("GEN"), methods = c("REML", "ML", "PM", "DL"), by = list(NULL),
  mods = c("sessions"), controls = list(NULL, "stepadj=0.5,maxiter=1000")
)

# ---- SYNTHETIC: two arms (fractional RF microneedling, Fitzpatrick IV, from the shipped
#      synthetic studies SYN-D and SYN-P4 with change SDs imputed at rho = 0.35). ML's Fisher
#      scoring converges neither by default nor with stepadj = 0.5, only with stepadj = 0.5 and
#      maxiter = 1000: the third remedy. NOT evidence.
datasets$ml_nonconvergence_synthetic <- data.frame(
  study = c("SYNTHETIC SYN-D", "SYNTHETIC SYN-P4"),
  yi = c(11.764705882352942, 6.57), vi = c(1.6656574394463666, 6.856342142857144)
)
with(datasets$ml_nonconvergence_synthetic, {
  stopifnot(inherits(try(rma(yi, vi, method = "ML"), silent = TRUE), "try-error"))
  stopifnot(inherits(try(rma(yi, vi, method = "ML", control = list(stepadj = 0.5)), silent = TRUE), "try-error"))
})
origin$ml_nonconvergence_synthetic <- "SYNTHETIC (invented for tests; not evidence): ML converges only with stepadj = 0.5, maxiter = 1000"
specs$ml_nonconvergence_synthetic <- list(measures = c("GEN"), methods = c("ML", "REML"),
                                          by = list(NULL), mods = NULL)

tests <- c("z", "knha")
for (name in names(datasets)) {
  na <- if (is.null(na_text[[name]])) "" else na_text[[name]]
  path <- write_input(name, datasets[[name]], na = na)
  dat <- read.csv(path, stringsAsFactors = FALSE)
  spec <- specs[[name]]
  controls <- if (is.null(spec$controls)) list(NULL) else spec$controls
  cases <- list()
  for (measure in spec$measures) for (method in spec$methods) for (test in tests) {
    for (by in spec$by) for (control in controls) {
      cases[[length(cases) + 1L]] <- run_case(dat, measure, method, test, by = by,
                                              mods = spec$mods, control = control)
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
