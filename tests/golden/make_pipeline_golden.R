# Golden values for the pipeline's two-stage analysis, computed independently in R.
#
# Run from the repository root:
#     Rscript tests/golden/make_pipeline_golden.R
#
# Input: tests/golden/pipeline/synthetic_pipeline_fixture.csv (SYNTHETIC patient-level rows,
# one per subject x visit). Stage one, in base R: keep each subject-side's last visit, then per
# study x stratum the mean improvement (baseline - follow-up) and its variance var/n
# (metafor's "MC" with the observed change SD). Arms with n < 2 or zero variance are not
# pooled. Stage two: metafor rma.uni(method = "REML") per stratum; k = 1 is not pooled.
# Output: tests/golden/pipeline/expected.json, one case per view x stratum x scale.

suppressPackageStartupMessages(library(metafor))
source(file.path("tests", "golden", "json.R"))

dir <- file.path("tests", "golden", "pipeline")
dat <- read.csv(file.path(dir, "synthetic_pipeline_fixture.csv"), stringsAsFactors = FALSE)
dat <- dat[order(dat$study_id, dat$subject_id, dat$side, -dat$followup_weeks), ]
final <- dat[!duplicated(dat[, c("study_id", "subject_id", "side")]), ]

scales <- list(
  gb_qualitative = c("baseline_grade", "followup_grade"),
  gb_quantitative = c("baseline_score", "followup_score")
)
views <- list(improvement_by_severity = "baseline_grade",
              improvement_by_skin_type = "fitzpatrick_type")

cases <- list()
for (view in names(views)) {
  by <- views[[view]]
  for (scale in names(scales)) {
    cols <- scales[[scale]]
    final$improvement <- final[[cols[1]]] - final[[cols[2]]]
    for (stratum in sort(unique(as.character(final[[by]])))) {
      rows <- final[as.character(final[[by]]) == stratum, ]
      arms <- do.call(rbind, lapply(split(rows, rows$study_id), function(g) {
        data.frame(study_id = g$study_id[1], n = nrow(g), yi = mean(g$improvement),
                   vi = if (nrow(g) > 1) var(g$improvement) / nrow(g) else NA_real_)
      }))
      arms <- arms[!is.na(arms$vi) & arms$vi > 0, ]
      if (nrow(arms) < 2) next
      res <- rma.uni(yi = arms$yi, vi = arms$vi, method = "REML")
      pred <- predict(res)
      cases[[length(cases) + 1L]] <- list(
        view = view, stratum = stratum, outcome_scale = scale,
        k_studies = res$k, n_patients = sum(arms$n),
        mean_change = c(res$beta), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
        tau2 = res$tau2, i2 = res$I2, pi_lb = pred$pi.lb, pi_ub = pred$pi.ub,
        studies = json_array(as.list(arms$study_id)),
        yi = num_array(arms$yi), vi = num_array(arms$vi)
      )
    }
  }
}

doc <- list(
  source = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    generated_by = "tests/golden/make_pipeline_golden.R",
    input_file = "pipeline/synthetic_pipeline_fixture.csv",
    fit_call = "rma.uni(yi, vi, method = \"REML\"); predict(res)"
  ),
  cases = json_array(cases)
)
writeLines(to_json(doc), file.path(dir, "expected.json"))
cat("wrote", length(cases), "cases\n")
