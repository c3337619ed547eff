// Sync against the real reference server (target/debug/studymate-server, started per test with
// a temp database and the fixture catalog): a chat between two users, the 401 → refresh path and
// the token listener, the sync observer, the Auth, Network and Cancelled errors, and cancelling
// the coroutine that awaits a sync.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.nio.file.Files
import java.util.Collections
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/** One `studymate-server` process on a fresh database; destroyed by `close()`. */
class TestServer : AutoCloseable {
    private val process: Process
    val base: String

    init {
        val binary = System.getProperty("studymate.server") ?: error("-Dstudymate.server is not set")
        val catalog = System.getProperty("studymate.serverCatalog") ?: "server/tests/fixtures/catalog.json"
        val dir = Files.createTempDirectory("studymate-server")
        dir.toFile().deleteOnExit()
        val args = listOf(
            binary, "--listen", "127.0.0.1:0",
            "--database", dir.resolve("server.db").toString(), "--catalog", catalog,
        )
        val builder = ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.DISCARD)
        builder.environment()["RUST_LOG"] = "warn"
        process = builder.start()
        val address = CompletableFuture<String>()
        Thread {
            // Reads the address, then keeps draining stdout so the server never blocks on it.
            process.inputStream.bufferedReader().forEachLine { line ->
                if (line.startsWith("listening on ")) address.complete(line.removePrefix("listening on "))
            }
            address.complete("")
        }.apply { isDaemon = true }.start()
        base = try {
            address.get(30, TimeUnit.SECONDS)
        } catch (e: Exception) {
            process.destroyForcibly()
            throw e
        }
        if (base.isEmpty()) {
            process.destroyForcibly()
            error("the server exited without reporting its address")
        }
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
    }
}

private const val PASSWORD = "correct horse battery"

suspend fun signUpFor(base: String, client: StudyMateClient, name: String): AuthSession =
    signUp(base, SignupRequest(name, PASSWORD, name, client.userId()))

/** Records what a sync observer is told (it is called on the sync's worker thread). */
class RecordingSyncObserver(private val onState: (SyncState) -> Unit = {}) : SyncObserver {
    val states: MutableList<SyncState> = Collections.synchronizedList(mutableListOf())
    val progress: MutableList<SyncProgress> = Collections.synchronizedList(mutableListOf())

    override fun stateChanged(state: SyncState) {
        states += state
        onState(state)
    }

    override fun progress(progress: SyncProgress) {
        this.progress += progress
    }
}

/** A provider with a fixed token whose (suspending) refresh runs `onRefresh`. */
class FixedTokens(private val token: String, private val onRefresh: suspend () -> String) : TokenProvider {
    override suspend fun accessToken(): String = token
    override suspend fun refresh(context: RefreshContext): String = onRefresh()
}

val syncTests = listOf(
    TestCase("sync: A's direct message reaches B once, SENT, unread, and B's observer hears of it") {
        TestServer().use { server ->
            val a = Fixture.open()
            val b = Fixture.open()
            val sessionA = signUpFor(server.base, a, "anna")
            val sessionB = signUpFor(server.base, b, "ben")
            eq(a.userId(), sessionA.tokens().userId, "the server kept A's id")
            val options = SyncOptions(baseUrl = server.base)
            b.sync(options, sessionB.tokenProvider(), null, null)

            val ben = b.profile()
            a.saveContact(PublicProfile(userId = ben.userId, displayName = ben.displayName, languageLevel = ben.languageLevel, updatedAt = ben.updatedAt))
            val room = a.createDirectRoom(b.userId())
            val sent = a.sendMessage(room.id, NewChatMessage(ChatMessageType.TEXT, content = "hi Ben"))
            expect(a.syncStatus().outbox > 0L) { "outbox before: ${a.syncStatus()}" }
            val pushed = a.sync(options, sessionA.tokenProvider(), null, null)
            expect(pushed.pushed > 0L && pushed.rejected == 0L) { "A's report: $pushed" }
            eq(0L, a.syncStatus().outbox, "A's outbox after")
            eq(emptyList<RejectedChange>(), a.rejectedChanges(), "nothing refused")
            eq(ChatSendState.SENT, a.messages(room.id, null, 10).messages.single { it.id == sent.id }.sendState, "A's echo")

            val changes = Collections.synchronizedList(mutableListOf<DataChange>())
            val subscription = b.subscribe(object : DataObserver {
                override fun onChange(change: DataChange) { changes += change }
            })
            val pulled = b.sync(options, sessionB.tokenProvider(), null, null)
            expect(pulled.pulled > 0L) { "B's report: $pulled" }
            b.sync(options, sessionB.tokenProvider(), null, null) // nothing doubles on a repeat
            val messages = b.messages(room.id, null, 50).messages.filter { it.id == sent.id }
            eq(1, messages.size, "the message exactly once")
            eq(ChatSendState.SENT, messages[0].sendState, "B's copy")
            eq("hi Ben", messages[0].content, "content")
            eq(1, b.unreadCounts().single { it.roomId == room.id }.unread, "unread on B")
            expect(changes.any { DataArea.CHAT_MESSAGES in it.areas && room.id in it.rooms }) {
                "B's data observer: $changes"
            }
            subscription.cancel()

        }
    },

    TestCase("sync: a 401 makes the suspending token provider refresh exactly once, then the sync succeeds") {
        TestServer().use { server ->
            val client = Fixture.open()
            val session = signUpFor(server.base, client, "tess")
            client.addInterest("music")
            // A token the server does not know (as after a revocation) is answered 401, like an
            // expired one, without depending on the clock.
            val stale = "a-token-this-server-never-issued"
            val refreshes = AtomicInteger()
            val provider = object : TokenProvider {
                @Volatile var current = stale
                override suspend fun accessToken(): String = current
                override suspend fun refresh(context: RefreshContext): String {
                    eq(current, context.refusedAccessToken(), "the refused token")
                    refreshes.incrementAndGet()
                    // Suspends as an app's refresh would: a hop to the IO dispatcher, a delay,
                    // then the session's own suspending refresh.
                    current = withContext(Dispatchers.IO) {
                        delay(20)
                        session.refresh()
                    }
                    return current
                }
            }
            val report = client.sync(SyncOptions(baseUrl = server.base), provider, null, null)
            eq(1, refreshes.get(), "refresh calls")
            expect(report.pushed > 0L) { "report: $report" }
            expect(session.tokens().accessToken != stale) { "the session holds the new token" }

        }
    },

    TestCase("sync: the observer sees PUSHING, PULLING, IDLE and progress") {
        TestServer().use { server ->
            val client = Fixture.open()
            val session = signUpFor(server.base, client, "olga")
            val observer = RecordingSyncObserver()
            val report = client.sync(SyncOptions(baseUrl = server.base, pullLimit = 2), session.tokenProvider(), observer, null)
            val states = observer.states.toList()
            expect(states.indexOf(SyncState.PUSHING) in 0 until states.indexOf(SyncState.PULLING)) { "states: $states" }
            eq(SyncState.IDLE, states.last(), "last state")
            expect(report.pulled > 0L) { "report: $report" }
            expect(observer.progress.size >= 2) { "progress: ${observer.progress}" }
            eq(report.pulled, observer.progress.last().pulled, "last progress")
            expect(observer.progress.zipWithNext().all { (x, y) -> x.pulled <= y.pulled }) { "monotonic" }

        }
    },

    TestCase("sync: TokenException.SignInRequired is Auth, Unavailable and unexpected exceptions are Network without a stack trace") {
        TestServer().use { server ->
            val client = Fixture.open()
            signUpFor(server.base, client, "ivan")
            val observer = RecordingSyncObserver()
            val signedOut = FixedTokens("not-a-token") { throw TokenException.SignInRequired("signed out") }
            val auth = throws<StudyMateException.Auth>("refresh refused") {
                client.sync(SyncOptions(baseUrl = server.base), signedOut, observer, null)
            }
            eq("signing in is needed again: signed out", auth.message, "Auth message")
            eq(SyncState.ERROR, observer.states.last(), "state after")

            val locked = FixedTokens("not-a-token") { throw TokenException.Unavailable("keystore locked") }
            val unavailable = throws<StudyMateException.Network>("no token for now") {
                client.sync(SyncOptions(baseUrl = server.base), locked, null, null)
            }
            expect(unavailable.message!!.contains("keystore locked")) { "message: ${unavailable.message}" }

            val broken = FixedTokens("not-a-token") { throw IllegalStateException("keystore exploded") }
            val net = throws<StudyMateException.Network>("unexpected exception") {
                client.sync(SyncOptions(baseUrl = server.base), broken, null, null)
            }
            val message = net.message!!
            expect(message.contains("keystore exploded")) { "message: $message" }
            expect(!message.contains("\n") && !message.contains("\tat ")) { "no stack trace: $message" }

        }
    },

    TestCase("sync: an unreachable server is StudyMateException.Network after the retries") {
        val port = java.net.ServerSocket(0).use { it.localPort }
        val client = Fixture.open()
        client.addInterest("music")
        val observer = RecordingSyncObserver()
        val options = SyncOptions(
            baseUrl = "http://127.0.0.1:$port", connectTimeoutMs = 1000, requestTimeoutMs = 2000,
            maxAttempts = 2, retryBaseDelayMs = 10, retryMaxDelayMs = 20,
        )
        throws<StudyMateException.Network>("closed port") {
            client.sync(options, FixedTokens("t") { "t" }, observer, null)
        }
        expect(SyncState.OFFLINE in observer.states) { "states: ${observer.states}" }
        expect(client.syncStatus().outbox > 0L) { "nothing lost: ${client.syncStatus()}" }
    },

    TestCase("sync: cancel() before or during a sync is StudyMateException.Cancelled; the next run completes") {
        TestServer().use { server ->
            val client = Fixture.open()
            val session = signUpFor(server.base, client, "cleo")
            val options = SyncOptions(baseUrl = server.base)
            val before = SyncHandle()
            before.cancel()
            expect(before.isCancelled()) { "cancelled" }
            val cancelled = throws<StudyMateException.Cancelled>("cancelled before") {
                client.sync(options, session.tokenProvider(), null, before)
            }
            eq("the operation was cancelled; what was saved before it stays", cancelled.message, "Cancelled message")

            val during = SyncHandle()
            val observer = RecordingSyncObserver { if (it == SyncState.PULLING) during.cancel() }
            throws<StudyMateException.Cancelled>("cancelled while syncing") {
                client.sync(options, session.tokenProvider(), observer, during)
            }
            eq(SyncState.IDLE, observer.states.last(), "idle after cancelling")
            expect(SyncState.PUSHING in observer.states) { "it had started: ${observer.states}" }

            val report = client.sync(options, session.tokenProvider(), null, SyncHandle())
            expect(report.pulled > 0L) { "the next run pulls: $report" }
            expect(client.syncStatus().hasCursor) { "cursor held" }

        }
    },

    TestCase("sync: the token listener stores a renewed pair before the sync uses it") {
        TestServer().use { server ->
            val client = Fixture.open()
            val signedIn = signUpFor(server.base, client, "lina")
            client.addInterest("music")
            // Resumed with an access token the server refuses, so the first request refreshes.
            val stored = signedIn.tokens().copy(accessToken = "a-token-this-server-never-issued")
            val session = AuthSession.fromTokens(server.base, stored)
            val saved = Collections.synchronizedList(mutableListOf<AuthResponse>())
            session.setTokenListener(object : TokenListener {
                override fun tokensChanged(tokens: AuthResponse) { saved += tokens }
            })
            val report = client.sync(SyncOptions(baseUrl = server.base), session.tokenProvider(), null, null)
            expect(report.pushed > 0L) { "report: $report" }
            eq(1, saved.size, "pairs stored")
            eq(session.tokens(), saved.single(), "the stored pair is the session's")

        }
    },

    TestCase("sync: cancelling the coroutine that awaits sync cancels the run; the next run completes") {
        TestServer().use { server ->
            coroutineScope {
                val client = Fixture.open()
                val session = signUpFor(server.base, client, "cato")
                val runEnded = CompletableFuture<Unit>()
                lateinit var job: Job
                val observer = RecordingSyncObserver { state ->
                    if (state == SyncState.PULLING) {
                        // Cancel the awaiting coroutine and wait until it is gone (its Rust future
                        // freed) before the run goes on to its first pull request.
                        job.cancel()
                        runBlocking { job.join() }
                    }
                    if (state == SyncState.IDLE) runEnded.complete(Unit)
                }
                job = launch {
                    client.sync(SyncOptions(baseUrl = server.base), session.tokenProvider(), observer, null)
                }
                job.join()
                expect(job.isCancelled) { "the coroutine was cancelled" }
                runEnded.get(60, TimeUnit.SECONDS) // the worker's run has ended
                val states = observer.states.toList()
                expect(SyncState.PULLING in states) { "it had started pulling: $states" }
                expect(observer.progress.none { it.pulled > 0L }) { "nothing pulled: ${observer.progress}" }
                expect(!client.syncStatus().hasCursor) { "no page applied: ${client.syncStatus()}" }

                val report = client.sync(SyncOptions(baseUrl = server.base), session.tokenProvider(), null, null)
                expect(report.pulled > 0L) { "the next run pulls: $report" }
            }
        }
    },

    TestCase("completePractice: a cancelled caller's completion commits and reaches the data observer") {
        val client = Fixture.withCatalog()
        val announced = CompletableFuture<DataChange>()
        val subscription = client.subscribe(object : DataObserver {
            override fun onChange(change: DataChange) {
                if (DataArea.POINTS in change.areas) announced.complete(change)
            }
        })
        val situation = client.situations(SituationFilter()).first()
        val variation = client.variations(situation.id).first()
        val session = client.startPractice(situation.id, variation.id)
        client.answer(session.id, AnswerInput(text = variation.idealResponses.first()))
        coroutineScope {
            // UNDISPATCHED: the call starts (its worker is running) before the cancel.
            val job = launch(start = CoroutineStart.UNDISPATCHED) {
                client.completePractice(session.id)
            }
            job.cancel()
            job.join()
            // The cancel normally lands while the worker runs; on a loaded machine the call can
            // finish first. Either way the completion must be committed and announced.
        }
        val change = announced.get(60, TimeUnit.SECONDS)
        expect(DataArea.PRACTICE in change.areas) { "change: $change" }
        eq(SessionStatus.COMPLETED, client.practiceSession(session.id).status, "the session")
        subscription.cancel()
    },
)
