using System.Net.Sockets;
using Npgsql;

namespace CryptoStreams.Loader.Writing;

/// <summary>What a failed write means for the batch.</summary>
public enum WriteFailureKind
{
    /// <summary>The connection, the server or a concurrent transaction failed (08, 57P, 53, 40001, 40P01…): retry later, same batch.</summary>
    Transient,

    /// <summary>The server refused a value (SQLSTATE class 22 data exception or 23 integrity violation): retrying cannot help.</summary>
    Data,

    /// <summary>Anything else (a missing table, a permission): not the rows' fault, so retried like a transient one until an operator fixes it.</summary>
    Other,
}

/// <summary>Sorts PostgreSQL and network failures into those a retry can cure and those only the rows can explain.</summary>
public static class PostgresFailures
{
    public static WriteFailureKind Classify(Exception exception) => exception switch
    {
        PostgresException pg when IsDataError(pg) => WriteFailureKind.Data,
        NpgsqlException { IsTransient: true } => WriteFailureKind.Transient,
        // A server that closed the connection under us (pg_terminate_backend, restart) surfaces as an I/O failure.
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => WriteFailureKind.Transient,
        SocketException or TimeoutException or IOException => WriteFailureKind.Transient,
        _ => WriteFailureKind.Other,
    };

    /// <summary>SQLSTATE class 22 (data exception: overflow, invalid text…) or 23 (CHECK, NOT NULL, unique…): a property of the rows.</summary>
    public static bool IsDataError(PostgresException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);
    }

    /// <summary>The one-line reason a dead letter carries: SQLSTATE, condition, constraint, table, column and the server's message.</summary>
    public static string Describe(PostgresException exception, string table)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var parts = new List<string> { $"SQLSTATE {exception.SqlState}" };
        if (!string.IsNullOrEmpty(exception.ConstraintName))
        {
            parts.Add($"constraint {exception.ConstraintName}");
        }

        if (!string.IsNullOrEmpty(exception.ColumnName))
        {
            parts.Add($"column {exception.ColumnName}");
        }

        return $"PostgreSQL refused the row for {table} ({string.Join(", ", parts)}): {exception.MessageText}";
    }
}
