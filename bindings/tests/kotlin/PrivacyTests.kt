// The privacy calls from Kotlin: an encrypted database opened with its key, a plain one
// encrypted without losing a row, the key changed, WrongKey for a wrong key, the JSON export,
// wipe (refused while another call holds the client), and a device told by the real server that
// its account was deleted. The disk-heavy calls suspend.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout

private fun key(byte: Int): ByteArray = ByteArray(32) { byte.toByte() }

private fun filesIn(path: String): List<String> = File(path).parentFile.list()?.sorted() ?: emptyList()

val privacyTests = listOf(
    TestCase("privacy: an encrypted database opens only with its key") {
        expect(encryptionAvailable()) { "the bindings are built with encryption" }
        val path = Fixture.dbPath()
        val client = StudyMateClient.openEncrypted(path, OpenOptions(), key(1))
        client.addInterest("coffee")
        val user = client.userId()
        client.closeDatabase()
        expect(!isPlainDatabase(path)) { "the file is encrypted" }
        val wrong = throws<StudyMateException.WrongKey>("wrong key") { StudyMateClient.openEncrypted(path, OpenOptions(), key(2)) }
        eq("the database key is wrong, or the file is not encrypted with it", wrong.message, "WrongKey message")
        eq("ask for the key", describe(wrong), "switch")
        val noKey = throws<StudyMateException.StorageCorrupt>("no key") { Fixture.open(path) }
        expect(noKey.message!!.contains("encrypted one opens only with its key")) { "no-key message: ${noKey.message}" }
        val short = throws<StudyMateException.InvalidInput>("short key") { StudyMateClient.openEncrypted(path, OpenOptions(), ByteArray(16)) }
        expect(!short.message!!.contains("field=")) { "readable: ${short.message}" }
        val again = StudyMateClient.openEncrypted(path, OpenOptions(), key(1))
        eq(user, again.userId(), "same user")
        eq(listOf("coffee"), again.interests(), "interests")
        again.closeDatabase()
    },
    TestCase("privacy: a plain database is encrypted without losing a row, then rekeyed") {
        val path = Fixture.dbPath()
        val plain = Fixture.open(path)
        plain.addInterest("hiking")
        plain.addInterest("coffee")
        plain.closeDatabase()
        expect(isPlainDatabase(path)) { "starts plain" }
        encryptDatabase(path, key(3))
        throws<StudyMateException.Conflict>("twice") { encryptDatabase(path, key(3)) }
        val client = StudyMateClient.openEncrypted(path, OpenOptions(), key(3))
        eq(listOf("coffee", "hiking"), client.interests().sorted(), "rows kept")
        client.changeKey(key(4))
        client.addInterest("jazz")
        client.closeDatabase()
        throws<StudyMateException.WrongKey>("old key") { StudyMateClient.openEncrypted(path, OpenOptions(), key(3)) }
        val rekeyed = StudyMateClient.openEncrypted(path, OpenOptions(), key(4))
        eq(3, rekeyed.interests().size, "rows after rekey")
        rekeyed.closeDatabase()
    },
    TestCase("privacy: exportData writes the documented JSON and wipe deletes the files") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        client.addInterest("coffee")
        val export = client.exportData()
        expect(export.contains("\"format\": \"studymate.account-export\"")) { export }
        expect(export.contains("\"source\": \"device\"")) { export }
        expect(export.contains("\"interest_tag\": \"coffee\"")) { export }
        expect(filesIn(path).isNotEmpty()) { "files exist" }
        client.wipe()
        eq(emptyList<String>(), filesIn(path), "files after wipe")
        throws<StudyMateException.Closed>("after wipe") { client.userId() }
    },
    TestCase("privacy: wipe is refused while another call holds the client, and nothing is deleted") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        client.addInterest("coffee")
        // A sync whose token provider waits holds the client on its worker thread.
        val asked = CompletableDeferred<Unit>()
        val release = CompletableDeferred<Unit>()
        val waiting = object : TokenProvider {
            override suspend fun accessToken(): String {
                asked.complete(Unit)
                release.await()
                throw TokenException.Unavailable("released by the test")
            }
            override suspend fun refresh(context: RefreshContext): String = accessToken()
        }
        coroutineScope {
            val sync = async {
                runCatching { client.sync(SyncOptions(baseUrl = "http://127.0.0.1:9"), waiting, null, null) }
            }
            withTimeout(30_000) { asked.await() }
            throws<StudyMateException.Conflict>("wipe during a sync") { client.wipe() }
            release.complete(Unit)
            expect(sync.await().exceptionOrNull() is StudyMateException.Network) { "the sync ends with Network" }
        }
        client.addInterest("jazz")
        eq(listOf("coffee", "jazz"), client.interests().sorted(), "still open, rows kept")
        expect(filesIn(path).contains("user.db")) { "the file is still there" }
        client.closeDatabase()
        wipeDatabase(path)
        eq(emptyList<String>(), filesIn(path), "files after wipeDatabase")
    },
    TestCase("privacy: a deleted account erases the device's data on its next sync") {
        TestServer().use { server ->
            val path = Fixture.dbPath()
            val client = Fixture.open(path)
            client.addInterest("coffee")
            val session = signUp(server.base, SignupRequest("dora", "correct horse battery", "Dora", client.userId()))
            val options = SyncOptions(baseUrl = server.base)
            client.sync(options, session.tokenProvider(), null, null)
            val request = HttpRequest.newBuilder(URI.create("${server.base}/v1/account"))
                .header("Authorization", "Bearer ${session.tokens().accessToken}")
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"password\": \"correct horse battery\"}"))
                .build()
            val answer = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
            eq(204, answer.statusCode(), "delete: ${answer.body()}")
            val observer = RecordingObserver()
            val subscription = client.subscribe(observer)
            val deleted = throws<StudyMateException.AccountDeleted>("next sync") {
                client.sync(options, session.tokenProvider(), null, null)
            }
            subscription.cancel()
            eq("wipe and sign in", describe(deleted), "switch")
            eq(emptyList<String>(), client.interests(), "local rows erased")
            eq(DataArea.values().toList(), observer.changes.firstOrNull()?.areas, "the erase reaches the data observer")
            client.wipe()
            eq(emptyList<String>(), filesIn(path), "files after wipe")
        }
    },
)
