// The privacy calls from Kotlin: an encrypted database opened with its key, a plain one
// encrypted without losing a row, the key changed, WrongKey for a wrong key, the JSON export,
// wipe, and a device told by the real server that its account was deleted.
package app.studymate.core.tests

import app.studymate.core.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlinx.coroutines.runBlocking

private fun key(byte: Int): ByteArray = ByteArray(32) { byte.toByte() }

private fun filesIn(path: String): List<String> = File(path).parentFile.list()?.sorted() ?: emptyList()

val privacyTests = listOf(
    TestCase("privacy: an encrypted database opens only with its key") {
        expect(encryptionAvailable()) { "the bindings are built with encryption" }
        val path = Fixture.dbPath()
        val client = Client.openEncrypted(path, OpenOptions(), key(1))
        client.addInterest("coffee")
        val user = client.userId()
        client.close()
        expect(!isPlainDatabase(path)) { "the file is encrypted" }
        throws<StudyMateException.WrongKey>("wrong key") { Client.openEncrypted(path, OpenOptions(), key(2)) }
        throws<StudyMateException.Storage>("no key") { Fixture.open(path) }
        throws<StudyMateException.InvalidInput>("short key") { Client.openEncrypted(path, OpenOptions(), ByteArray(16)) }
        val again = Client.openEncrypted(path, OpenOptions(), key(1))
        eq(user, again.userId(), "same user")
        eq(listOf("coffee"), again.interests(), "interests")
        again.close()
    },
    TestCase("privacy: a plain database is encrypted without losing a row, then rekeyed") {
        val path = Fixture.dbPath()
        val plain = Fixture.open(path)
        plain.addInterest("hiking")
        plain.addInterest("coffee")
        plain.close()
        expect(isPlainDatabase(path)) { "starts plain" }
        encryptDatabase(path, key(3))
        throws<StudyMateException.Conflict>("twice") { encryptDatabase(path, key(3)) }
        val client = Client.openEncrypted(path, OpenOptions(), key(3))
        eq(listOf("coffee", "hiking"), client.interests().sorted(), "rows kept")
        client.changeKey(key(4))
        client.addInterest("jazz")
        client.close()
        throws<StudyMateException.WrongKey>("old key") { Client.openEncrypted(path, OpenOptions(), key(3)) }
        val rekeyed = Client.openEncrypted(path, OpenOptions(), key(4))
        eq(3, rekeyed.interests().size, "rows after rekey")
        rekeyed.close()
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
    TestCase("privacy: a deleted account erases the device's data on its next sync") {
        TestServer().use { server ->
            runBlocking {
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
                throws<StudyMateException.AccountDeleted>("next sync") {
                    runBlocking { client.sync(options, session.tokenProvider(), null, null) }
                }
                client.wipe()
                eq(emptyList<String>(), filesIn(path), "files after wipe")
            }
        }
    },
)
