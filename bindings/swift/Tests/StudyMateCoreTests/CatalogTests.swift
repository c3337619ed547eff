// Catalog: import from JSON (async), queries by category, difficulty and location
// (bindings/tests/kotlin/CatalogTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class CatalogTests: XCTestCase {
    func testImportTheDemoCatalogAndQueryIt() async throws {
        let client = try await Fixture.open()
        let summary = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(summary, ImportSummary(situations: 27, variations: 54, achievements: 14))
        XCTAssertEqual(try client.situations(filter: SituationFilter()).count, 27)
        let greetings = try client.situations(filter: SituationFilter(category: "greetings"))
        XCTAssertFalse(greetings.isEmpty)
        XCTAssertTrue(greetings.allSatisfy { $0.category == "greetings" })
        let beginner = try client.situations(filter: SituationFilter(difficulty: .beginner))
        XCTAssertFalse(beginner.isEmpty)
        XCTAssertTrue(beginner.allSatisfy { $0.difficulty == .beginner })
        let daegu = try client.situations(filter: SituationFilter(location: "Daegu"))
        XCTAssertFalse(daegu.isEmpty)
        XCTAssertTrue(daegu.allSatisfy { $0.targetLocation == "Daegu" && $0.locationSpecific })
        let situation = greetings[0]
        XCTAssertEqual(try client.situation(id: situation.id), situation)
        let variations = try client.variations(situationId: situation.id)
        XCTAssertFalse(variations.isEmpty)
        XCTAssertTrue(variations.allSatisfy { $0.situationId == situation.id })
        let variation = try client.variation(id: variations[0].id)
        XCTAssertEqual(variation, variations[0])
        XCTAssertFalse(variation.idealResponses.isEmpty)
        XCTAssertEqual(variation.hintLevels.count, 3, "scoring references")
        let achievements = try client.achievements()
        XCTAssertEqual(achievements.count, 14)
        XCTAssertTrue(achievements.contains { $0.requirements.contains("sessions_completed") }, "requirements JSON")
    }

    func testReImportReplacesAndMalformedJSONIsRefusedWhole() async throws {
        let client = try await Fixture.withCatalog()
        let again = try await client.importCatalog(json: Fixture.catalogJSON)
        XCTAssertEqual(again.situations, 27, "re-import")
        let error = await thrown { _ = try await client.importCatalog(json: #"{"situations": [{"id": 1}]}"#) }
        guard case let StudyMateError.InvalidInput(message)? = error else {
            return XCTFail("malformed catalog: \(String(describing: error))")
        }
        XCTAssertTrue(message.hasPrefix("catalog is not accepted"), message)
        XCTAssertEqual(try client.situations(filter: SituationFilter()).count, 27, "nothing changed")
    }
}
