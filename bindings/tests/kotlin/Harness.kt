// A tiny test harness (no JUnit on these machines): named tests, assertions, fixtures.
package app.studymate.core.tests

import app.studymate.core.OpenOptions
import app.studymate.core.StudyMateClient
import java.io.File
import java.nio.file.Files
import java.nio.file.Path

class AssertionFailed(message: String) : Exception(message)

/** A named test; `body` throws to fail. It runs in a coroutine (`runBlocking` in Main). */
class TestCase(val name: String, val body: suspend () -> Unit)

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionFailed(message())
}

fun <T> eq(expected: T, actual: T, what: String) {
    if (expected != actual) throw AssertionFailed("$what: expected <$expected>, got <$actual>")
}

/** Runs `block`, which must throw an `E`; returns it. */
inline fun <reified E : Throwable> throws(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionFailed("$what: expected ${E::class.simpleName}, got ${e::class.qualifiedName}: ${e.message}")
    }
    throw AssertionFailed("$what: expected ${E::class.simpleName}, nothing was thrown")
}

object Fixture {
    /** The demo catalog (examples/catalog/catalog.json), imported through the API. */
    val catalogJson: String by lazy {
        File(System.getProperty("studymate.catalog") ?: "examples/catalog/catalog.json").readText()
    }

    fun tempDir(): Path = Files.createTempDirectory("studymate-kt").also { it.toFile().deleteOnExit() }

    fun dbPath(dir: Path = tempDir()): String = dir.resolve("user.db").toString()

    suspend fun open(path: String = dbPath(), options: OpenOptions = OpenOptions()): StudyMateClient =
        StudyMateClient.open(path, options)

    suspend fun withCatalog(): StudyMateClient = open().also { client -> client.importCatalog(catalogJson) }

    /** Runs SQL on a database file with the sqlite3 shell (fixtures the API must not be able to make). */
    fun sqlite(path: String, sql: String) {
        val process = ProcessBuilder("sqlite3", path, sql).redirectErrorStream(true).start()
        val output = process.inputStream.bufferedReader().readText()
        expect(process.waitFor() == 0) { "sqlite3 failed: $output" }
    }
}
