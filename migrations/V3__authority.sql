-- StudyMate Core local database, version 3: what the server needs to decide for itself.

-- A learner's answer keeps the scorer's whole input (the recogniser's words, the response time,
-- the hints used by then) as JSON (practice::AnswerRecord), so the server can score it again.
-- Turns recorded before this version have none.
ALTER TABLE practice_turns ADD COLUMN answer TEXT CHECK (answer IS NULL OR json_valid(answer));

-- One ledger entry moves at most 1,000,000 points either way (ledger::MAX_POINTS_PER_ENTRY), so
-- no sum of entries comes near overflow: the running totals below can never fail.
CREATE TRIGGER point_transactions_bounded BEFORE INSERT ON point_transactions
WHEN NEW.points_amount NOT BETWEEN -1000000 AND 1000000
BEGIN
    SELECT RAISE(ABORT, 'a ledger entry moves at most 1000000 points');
END;
