"""Full-text search over article versions: PostgreSQL full-text search or SQLite FTS5, ranked.

The index lives in the database and follows the rows by itself (migration 0002): on PostgreSQL a trigger
keeps `search_vector` (title weight A, summary B, body C) in the text-search configuration of the row's
language; on SQLite triggers keep the FTS5 table `knowledge_article_fts` (ranked with bm25, title weighed
most). The reader's words never reach a query parser as syntax: they are split into plain words here and
passed as parameters, so quotes, NEAR, *, AND/OR/NOT and unbalanced parentheses are just text.
"""

from __future__ import annotations

import re

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

MAX_TERMS = 12
MAX_TERM_CHARS = 64
WORD = re.compile(r"\w+")

# The PostgreSQL text-search configuration per article language ("simple": no stemming, no stop words).
POSTGRES_CONFIGS = {"en": "english", "fi": "finnish", "sv": "swedish", "nb": "norwegian", "es": "spanish"}
FTS_TABLE = "knowledge_article_fts"
BM25_WEIGHTS = (10.0, 4.0, 1.0)  # title, summary, body


def search_terms(text: str, *, min_chars: int = 2) -> list[str]:
    """Split what a reader typed into at most MAX_TERMS distinct lower-case words, each cut to MAX_TERM_CHARS."""
    terms: list[str] = []
    for word in WORD.findall((text or "")[: MAX_TERMS * (MAX_TERM_CHARS + 1) * 4]):
        term = word.replace("_", " ").strip().lower()[:MAX_TERM_CHARS]
        if len(term) >= min_chars and term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def ranked_translation_ids(
    candidates: QuerySet, terms: list[str], *, languages: list[str], match_any: bool, limit: int
) -> list[int]:
    """Ids of the candidate article versions that match the terms, best first (at most `limit`).

    `candidates` is a queryset of ArticleTranslation holding only rows in `languages`. With `match_any`
    a version matches when it has any of the terms (ranked by how well); otherwise it needs them all.
    """
    if not terms or limit <= 0:
        return []
    try:
        candidate_sql, candidate_params = candidates.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:
        return []
    if connection.vendor == "postgresql":
        sql, params = _postgres(candidate_sql, terms, languages, match_any)
    else:
        sql, params = _sqlite(candidate_sql, terms, match_any)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params[0], *candidate_params, *params[1], limit])
        return [row[0] for row in cursor.fetchall()]


def _postgres_query(language: str, terms: list[str], match_any: bool) -> tuple[str, list]:
    """A tsquery built from plain words only: plainto_tsquery never reads operators from its text."""
    config = f"pg_catalog.{POSTGRES_CONFIGS.get(language, 'simple')}"
    if match_any:
        return "(" + " || ".join(["plainto_tsquery(%s::regconfig, %s)"] * len(terms)) + ")", [
            value for term in terms for value in (config, term)
        ]
    return "plainto_tsquery(%s::regconfig, %s)", [config, " ".join(terms)]


def _postgres(candidate_sql: str, terms: list[str], languages: list[str], match_any: bool):
    matches, match_params, cases, case_params = [], [], [], []
    for language in languages:
        query, query_params = _postgres_query(language, terms, match_any)
        matches.append(f"(t.language = %s AND t.search_vector @@ {query})")
        match_params += [language, *query_params]
        cases.append(f"WHEN %s THEN {query}")
        case_params += [language, *query_params]
    sql = (
        f"SELECT t.id FROM knowledge_articletranslation t WHERE ({' OR '.join(matches)}) "  # noqa: S608 (fixed SQL; values are parameters)
        f"AND t.id IN ({candidate_sql}) "
        f"ORDER BY ts_rank(t.search_vector, CASE t.language {' '.join(cases)} END, 1) DESC, t.id DESC LIMIT %s"
    )
    return sql, (match_params, case_params)


def _sqlite_query(terms: list[str], match_any: bool) -> str:
    """An FTS5 query of quoted prefix terms: "word"* — a quoted string is never an operator in FTS5."""
    joiner = " OR " if match_any else " AND "
    return joiner.join('"' + term.replace('"', "") + '"*' for term in terms)


def _sqlite(candidate_sql: str, terms: list[str], match_any: bool):
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (
        f"SELECT t.id FROM {FTS_TABLE} JOIN knowledge_articletranslation t ON t.id = {FTS_TABLE}.rowid "  # noqa: S608 (fixed SQL; values are parameters)
        f"WHERE {FTS_TABLE} MATCH %s AND t.id IN ({candidate_sql}) "
        f"ORDER BY bm25({FTS_TABLE}, {weights}), t.id DESC LIMIT %s"
    )
    return sql, ([_sqlite_query(terms, match_any)], [])
