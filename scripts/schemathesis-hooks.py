"""Rules of the search API that an OpenAPI document cannot state, for scripts/schemathesis.

The document gives each parameter its type, range and pattern; two kinds of rule span
parameters or depend on the pages served, and a request that breaks one is refused with a
documented 400 although each parameter is valid alone:
  - `ratio` goes with weighted fusion and `rrf_k` with RRF (`conflicting_fusion`);
  - `under` must name a page and `filter` a metadata field some page has (`unknown_under`,
    `unknown_filter_field`); the built-in corpus has no metadata fields.
So that the `positive_data_acceptance` check tests the rest, the requests generated as valid
are brought within these rules here; the requests generated as invalid are left alone.
"""
import schemathesis

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
    return params


@schemathesis.hook
def map_case(ctx, case):
    meta = getattr(case, "meta", None)
    positive = meta is not None and meta.generation.mode.is_positive
    if positive and case.operation.path == "/search":
        if case.query:
            case.query = _within_rules(dict(case.query))
        if isinstance(case.body, dict):
            case.body = _within_rules(dict(case.body))
    return case
