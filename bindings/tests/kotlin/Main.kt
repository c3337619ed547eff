// Runs every test, prints one line per test and `N passed, M failed` last; exits 1 on failures.
package app.studymate.core.tests

import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking

fun main() {
    val tests = profileTests + catalogTests + practiceTests + ledgerTests + chatTests +
        changeLogTests + errorTests + observerTests + lifecycleTests + syncTests + privacyTests + liveTests
    var passed = 0
    var failed = 0
    for (test in tests) {
        val started = System.nanoTime()
        try {
            runBlocking { test.body() }
            passed++
            println("PASS ${test.name} (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failed++
            println("FAIL ${test.name}: ${e::class.simpleName}: ${e.message}")
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed > 0) 1 else 0)
}
