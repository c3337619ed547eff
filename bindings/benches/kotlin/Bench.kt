// ffi/read_profile from Kotlin: one Client.profile() round trip (JNA call, Rust read, record
// lifted into a Kotlin data class) on a warm JVM, and for scale the bare round trip of a call
// that does no work (Client.isClosed()). Run by bindings/scripts/bench-kotlin.sh.
package app.studymate.core.bench

import app.studymate.core.Client
import app.studymate.core.OpenOptions
import java.nio.file.Files

fun main(args: Array<String>) {
    val warmup = args.getOrNull(0)?.toInt() ?: 10_000
    val timed = args.getOrNull(1)?.toInt() ?: 100_000
    val dir = Files.createTempDirectory("studymate-bench")
    Client.open(dir.resolve("user.db").toString(), OpenOptions()).use { client ->
        var sink = 0L
        fun measure(name: String, call: () -> Int) {
            repeat(warmup) { sink += call() }
            val rounds = 5
            val perCall = (1..rounds).map {
                val started = System.nanoTime()
                repeat(timed) { sink += call() }
                (System.nanoTime() - started).toDouble() / timed
            }.sorted()
            println(
                "%s (Kotlin, JNA): median %.0f ns/call, min %.0f, max %.0f over %d rounds of %d calls after %d warm-up calls"
                    .format(name, perCall[rounds / 2], perCall.first(), perCall.last(), rounds, timed, warmup),
            )
        }
        measure("ffi/read_profile") { client.profile().displayName.length }
        measure("ffi/is_closed (no work)") { if (client.isClosed()) 1 else 0 }
        println("checksum $sink")
    }
}
