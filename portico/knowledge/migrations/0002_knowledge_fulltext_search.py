"""Full-text index of article versions, kept up to date by the database itself.

PostgreSQL: a `search_vector` column (title weight A, summary B, body C) filled by a trigger in the
text-search configuration of the row's language, with a GIN index. SQLite: an FTS5 table over the same
columns (external content: the text is not stored twice) kept in step by triggers. Each database gets
only its own part; the other's is skipped.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE knowledge_articletranslation ADD COLUMN search_vector tsvector",
    """
    CREATE FUNCTION knowledge_translation_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        config regconfig := CASE NEW.language
            WHEN 'en' THEN 'pg_catalog.english'
            WHEN 'fi' THEN 'pg_catalog.finnish'
            WHEN 'sv' THEN 'pg_catalog.swedish'
            WHEN 'nb' THEN 'pg_catalog.norwegian'
            WHEN 'es' THEN 'pg_catalog.spanish'
            ELSE 'pg_catalog.simple' END;
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector(config, coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector(config, coalesce(NEW.summary, '')), 'B')
            || setweight(to_tsvector(config, coalesce(NEW.body, '')), 'C');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER knowledge_translation_search_vector
    BEFORE INSERT OR UPDATE OF language, title, summary, body ON knowledge_articletranslation
    FOR EACH ROW EXECUTE FUNCTION knowledge_translation_search_vector()
    """,
    "UPDATE knowledge_articletranslation SET title = title",
    "CREATE INDEX knowledge_translation_search ON knowledge_articletranslation USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_translation_search",
    "DROP TRIGGER IF EXISTS knowledge_translation_search_vector ON knowledge_articletranslation",
    "DROP FUNCTION IF EXISTS knowledge_translation_search_vector()",
    "ALTER TABLE knowledge_articletranslation DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE knowledge_article_fts USING fts5(
        title, summary, body,
        content='knowledge_articletranslation', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER knowledge_article_fts_insert AFTER INSERT ON knowledge_articletranslation BEGIN
        INSERT INTO knowledge_article_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    """
    CREATE TRIGGER knowledge_article_fts_delete AFTER DELETE ON knowledge_articletranslation BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
    END
    """,
    """
    CREATE TRIGGER knowledge_article_fts_update AFTER UPDATE ON knowledge_articletranslation BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO knowledge_article_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
    END
    """,
    "INSERT INTO knowledge_article_fts(knowledge_article_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_insert",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]

STATEMENTS = {
    "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD),
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
}


def forward(apps, schema_editor):
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ((), ()))[0]:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ((), ()))[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_knowledge_initial")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
