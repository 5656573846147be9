# Golden values for the responder analyses of the shipped (published) data, computed in R.
#
# Run from the repository root, after `make demo` has built data/warehouse.duckdb from data/raw:
#     .venv/bin/scar-evidence query "select intervention, baseline_grade, responder_definition,
#         study_id, events, n from responders_study where not synthetic
#         order by all" --format csv > tests/golden/responders/responders_study.csv
#     .venv/bin/scar-evidence query "select intervention, comparator, responder_definition,
#         study_id, events_treatment, n_treatment, events_comparator, n_comparator
#         from fct_responder_comparison_studies where not synthetic
#         order by all" --format csv > tests/golden/responders/comparison_studies.csv
#     Rscript tests/golden/make_responders_golden.R
# (tests/warehouse/test_responders_golden.py checks that the pipeline still produces exactly
# these study rows from data/raw, then compares its pooled rows with this file.)
#
# Proportions: metafor rma(measure = "PLO", xi, ni, method = "REML") per intervention x
# baseline grade x responder definition (escalc's defaults: 1/2 added to a 0 or n cell),
# back-transformed with predict(res, transf = plogis). Odds ratios: rma(measure = "OR",
# ai, n1i, ci, n2i, method = "REML") per comparison x definition, exp() of the estimate,
# CI and prediction interval.
# Output: tests/golden/responders/expected.json.

suppressPackageStartupMessages(library(metafor))
source(file.path("tests", "golden", "json.R"))

dir <- file.path("tests", "golden", "responders")
props <- read.csv(file.path(dir, "responders_study.csv"), stringsAsFactors = FALSE)
pairs <- read.csv(file.path(dir, "comparison_studies.csv"), stringsAsFactors = FALSE)

key <- function(d, cols) do.call(paste, c(lapply(cols, function(c) ifelse(is.na(d[[c]]), "all", d[[c]])), sep = "|"))

summary_of <- function(res, transform) {
  pred <- predict(res, transf = transform)
  single <- res$k == 1
  list(
    k_studies = res$k,
    estimate = c(pred$pred), ci_lb = c(pred$ci.lb), ci_ub = c(pred$ci.ub),
    pi_lb = if (single) NA else c(pred$pi.lb), pi_ub = if (single) NA else c(pred$pi.ub),
    tau2 = if (single) NA else res$tau2, i2 = if (single) NA else res$I2,
    beta = c(res$beta), se = res$se
  )
}

cases <- list()
props$key <- key(props, c("intervention", "baseline_grade", "responder_definition"))
for (k in sort(unique(props$key))) {
  d <- props[props$key == k, ]
  res <- rma(measure = "PLO", xi = d$events, ni = d$n, method = "REML")
  cases[[length(cases) + 1L]] <- c(
    list(analysis = "responders_pooled", intervention = d$intervention[1],
         baseline_grade = if (is.na(d$baseline_grade[1])) NA else as.character(d$baseline_grade[1]),
         responder_definition = d$responder_definition[1]),
    summary_of(res, plogis)
  )
}
pairs$key <- key(pairs, c("intervention", "comparator", "responder_definition"))
for (k in sort(unique(pairs$key))) {
  d <- pairs[pairs$key == k, ]
  res <- rma(measure = "OR", ai = d$events_treatment, n1i = d$n_treatment,
             ci = d$events_comparator, n2i = d$n_comparator, method = "REML")
  cases[[length(cases) + 1L]] <- c(
    list(analysis = "responders_by_comparison", intervention = d$intervention[1],
         comparator = d$comparator[1], responder_definition = d$responder_definition[1]),
    summary_of(res, exp)
  )
}

doc <- list(
  source = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    generated_by = "tests/golden/make_responders_golden.R",
    input_files = json_array(list("responders/responders_study.csv",
                                  "responders/comparison_studies.csv")),
    fit_call = paste("rma(measure = \"PLO\", xi, ni, method = \"REML\");",
                     "predict(res, transf = plogis);",
                     "rma(measure = \"OR\", ai, n1i, ci, n2i, method = \"REML\");",
                     "predict(res, transf = exp)")
  ),
  cases = json_array(cases)
)
writeLines(to_json(doc), file.path(dir, "expected.json"))
cat("wrote", length(cases), "cases\n")
