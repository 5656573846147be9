# Minimal JSON writer shared by the golden scripts (jsonlite is not installed here):
# numbers with sprintf("%.17g") (full double precision); NA/NULL become null.

json_num <- function(x) {
  if (length(x) == 0L || is.na(x)) return("null")
  if (is.infinite(x)) stop("infinite value cannot be written to JSON")
  sprintf("%.17g", x)
}
json_str <- function(x) {
  x <- gsub("\\", "\\\\", x, fixed = TRUE)
  x <- gsub("\"", "\\\"", x, fixed = TRUE)
  paste0("\"", x, "\"")
}
to_json <- function(x, indent = 0L) {
  pad <- strrep("  ", indent + 1L)
  end <- strrep("  ", indent)
  if (is.null(x)) return("null")
  if (inherits(x, "json_array")) {
    items <- vapply(unclass(x), function(v) to_json(v, indent + 1L), character(1))
    if (length(items) == 0L) return("[]")
    return(paste0("[\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", end, "]"))
  }
  if (is.list(x)) {
    keys <- names(x)
    items <- vapply(seq_along(x), function(i) {
      paste0(json_str(keys[i]), ": ", to_json(x[[i]], indent + 1L))
    }, character(1))
    return(paste0("{\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", end, "}"))
  }
  if (is.character(x)) return(json_str(x))
  if (is.logical(x) && length(x) == 1L && is.na(x)) return("null")
  if (is.numeric(x) && length(x) == 1L) return(json_num(x))
  stop("unsupported value in to_json")
}
json_array <- function(x) structure(as.list(x), class = "json_array")
num_array <- function(x) json_array(lapply(x, function(v) structure(v, class = NULL)))

