"""Database expressions the agreement constraints need."""

from django.db.models import DateField, Func


class AddOneYear(Func):
    """``date + 1 year`` as the database computes it (PostgreSQL interval arithmetic, SQLite's date modifier).

    Used by the CheckConstraint that keeps every agreement's sunset at most one year after its start (R-SHR-2).
    """

    arity = 1
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({sql}) + INTERVAL '1 year' AS date)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + INTERVAL '1 year')::date", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '+1 year')", params
