"""Rules of the search API that an OpenAPI document cannot state, for scripts/schemathesis.

The document gives each parameter its type, range and pattern; two kinds of rule span
parameters or depend on the pages served, and a request that breaks one is refused with a
documented 400 although each parameter is valid alone:
  - `ratio` goes with weighted fusion and `rrf_k` with RRF (`conflicting_fusion`);
  - `under` must name a page and `filter` a metadata field some page has (`unknown_under`,
    `unknown_filter_field`); the built-in corpus has no metadata fields;
  - `vector` must have the served model's dimensions (`vector_wrong_length`).
So that the `positive_data_acceptance` check tests the rest, the requests generated as valid
are brought within these rules here; the requests generated as invalid are left alone.

The write routes (admin key) take pages that must pass `landscape check` with the corpus
they join: no schema can say that. Valid writes therefore write a real page of the built-in
corpus (its own source, a no-op for the index), and valid removals are not generated: whether
a removal is accepted depends on the pages (it must exist, and no other page may name it).
"""
import os

import schemathesis

# A page of the built-in corpus, written back as it is by valid writes.
PAGE = "transformer"
SOURCE = open(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "concepts", f"{PAGE}.md")
).read()

# A page of the built-in corpus with pages under it.
UNDER = "large-language-model"


def _within_rules(params):
    if not isinstance(params, dict):
        return params
    fusion = params.get("fusion")
    if fusion == "dbsf":
        params.pop("ratio", None)
        params.pop("rrf_k", None)
    elif fusion == "rrf" or (fusion is None and params.get("rrf_k") is not None):
        params.pop("ratio", None)
    else:
        params.pop("rrf_k", None)
    for name in ("ratio", "rrf_k"):
        if name in params and params[name] is None:
            del params[name]
    if params.get("under") is not None:
        params["under"] = UNDER
    params.pop("filter", None)
    # A vector must have the model's dimensions, which the document (made at build time, for
    # any model) does not fix.
    params.pop("vector", None)
    return params


def _positive(case):
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


@schemathesis.hook
def filter_case(ctx, case):
    return not (_positive(case) and case.operation.method.upper() == "DELETE")


@schemathesis.hook
def map_case(ctx, case):
    positive = _positive(case)
    if positive and case.operation.path == "/pages/{id}" and case.operation.method.upper() == "PUT":
        case.path_parameters = {**(case.path_parameters or {}), "id": PAGE}
        case.media_type = "text/markdown"
        case.body = SOURCE
    if positive and case.operation.path == "/pages" and case.operation.method.upper() == "POST":
        case.body = {"pages": [{"id": PAGE, "markdown": SOURCE}], "delete": []}
    if positive and case.operation.path == "/search":
        if case.query:
            case.query = _within_rules(dict(case.query))
        if isinstance(case.body, dict):
            case.body = _within_rules(dict(case.body))
    return case
