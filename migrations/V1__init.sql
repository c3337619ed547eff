-- StudyMate Core local database, version 1.
-- The SQLite mirror of one user's slice of the server (seeds 000, 001, 002).
-- Ids are UUID text (36 chars), instants are UTC RFC 3339 text with milliseconds
-- ("2026-11-23T08:58:35.123Z", sortable as text), JSON columns are checked with json_valid.

-- Facts about this database file: whose it is and which device wrote it.
CREATE TABLE local_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- ───────────────────────────── profile ─────────────────────────────

-- The signed-in user (is_self = 1, exactly one) and the public profiles of people they chat with.
CREATE TABLE users (
    user_id                   TEXT PRIMARY KEY CHECK (length(user_id) = 36),
    is_self                   INTEGER NOT NULL DEFAULT 0 CHECK (is_self IN (0, 1)),
    username                  TEXT CHECK (username IS NULL OR length(username) BETWEEN 1 AND 50),
    display_name              TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    korean_name               TEXT CHECK (korean_name IS NULL OR length(korean_name) BETWEEN 1 AND 100),
    profile_image_url         TEXT CHECK (profile_image_url IS NULL OR length(profile_image_url) <= 500),
    intro                     TEXT CHECK (intro IS NULL OR length(intro) <= 2000),
    city                      TEXT CHECK (city IS NULL OR length(city) <= 100),
    district                  TEXT CHECK (district IS NULL OR length(district) <= 100),
    language_level            TEXT NOT NULL DEFAULT 'beginner'
                              CHECK (language_level IN ('beginner', 'intermediate', 'advanced')),
    target_fluency_level      TEXT CHECK (target_fluency_level IS NULL OR
                                          target_fluency_level IN ('conversational', 'business', 'native_like')),
    learning_goals            TEXT NOT NULL DEFAULT '[]'
                              CHECK (json_valid(learning_goals) AND json_type(learning_goals) = 'array'),
    preferences               TEXT NOT NULL DEFAULT '{}'
                              CHECK (json_valid(preferences) AND json_type(preferences) = 'object'),
    preferred_session_minutes INTEGER NOT NULL DEFAULT 30 CHECK (preferred_session_minutes BETWEEN 1 AND 240),
    time_zone                 TEXT NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    updated_at                TEXT NOT NULL
);
CREATE UNIQUE INDEX users_one_self ON users(is_self) WHERE is_self = 1;

CREATE TABLE user_languages (
    user_id           TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    language_code     TEXT NOT NULL CHECK (length(language_code) BETWEEN 2 AND 10),
    language_type     TEXT NOT NULL CHECK (language_type IN ('NATIVE', 'TEACHING', 'LEARNING')),
    proficiency_level TEXT CHECK (proficiency_level IS NULL OR
                                  proficiency_level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')),
    is_primary        INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    created_at        TEXT NOT NULL,
    PRIMARY KEY (user_id, language_code, language_type)
) WITHOUT ROWID;

CREATE TABLE user_interests (
    user_id      TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    interest_tag TEXT NOT NULL CHECK (length(interest_tag) BETWEEN 1 AND 100),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, interest_tag)
) WITHOUT ROWID;

CREATE TABLE onboarding_progress (
    user_id      TEXT PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    current_step INTEGER NOT NULL DEFAULT 1 CHECK (current_step BETWEEN 1 AND 6),
    is_completed INTEGER NOT NULL DEFAULT 0 CHECK (is_completed IN (0, 1)),
    completed_at TEXT,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE onboarding_step_data (
    user_id    TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    step_num   INTEGER NOT NULL CHECK (step_num BETWEEN 1 AND 6),
    data_json  TEXT NOT NULL CHECK (json_valid(data_json)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, step_num)
) WITHOUT ROWID;

-- ───────────────────────────── catalog (read-only on the device) ─────────────────────────────

CREATE TABLE situations (
    situation_id               TEXT PRIMARY KEY CHECK (length(situation_id) = 36),
    situation_name             TEXT NOT NULL CHECK (length(situation_name) BETWEEN 1 AND 100),
    category                   TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
    difficulty_level           TEXT NOT NULL CHECK (difficulty_level IN ('beginner', 'intermediate', 'advanced')),
    estimated_duration_seconds INTEGER NOT NULL DEFAULT 60 CHECK (estimated_duration_seconds > 0),
    description                TEXT,
    learning_objectives        TEXT NOT NULL DEFAULT '[]'
                               CHECK (json_valid(learning_objectives) AND json_type(learning_objectives) = 'array'),
    location_specific          INTEGER NOT NULL DEFAULT 0 CHECK (location_specific IN (0, 1)),
    target_location            TEXT CHECK (target_location IS NULL OR length(target_location) <= 100),
    initial_prompt             TEXT NOT NULL CHECK (length(initial_prompt) >= 1),
    context_description        TEXT,
    is_active                  INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    version                    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
);
CREATE INDEX situations_category_level ON situations(category, difficulty_level);
CREATE INDEX situations_location ON situations(target_location, is_active);

CREATE TABLE situation_variations (
    variation_id         TEXT PRIMARY KEY CHECK (length(variation_id) = 36),
    situation_id         TEXT NOT NULL REFERENCES situations(situation_id) ON DELETE CASCADE,
    variation_name       TEXT NOT NULL CHECK (length(variation_name) BETWEEN 1 AND 100),
    specific_context     TEXT NOT NULL,
    ai_character_role    TEXT,
    opening_line         TEXT NOT NULL CHECK (length(opening_line) >= 1),
    support_text         TEXT,
    language             TEXT NOT NULL DEFAULT 'en' CHECK (length(language) BETWEEN 2 AND 10),
    local_context        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(local_context)),
    cultural_notes       TEXT,
    ideal_responses      TEXT NOT NULL CHECK (json_valid(ideal_responses) AND json_type(ideal_responses) = 'array'),
    acceptable_responses TEXT NOT NULL DEFAULT '[]'
                         CHECK (json_valid(acceptable_responses) AND json_type(acceptable_responses) = 'array'),
    common_mistakes      TEXT NOT NULL DEFAULT '[]'
                         CHECK (json_valid(common_mistakes) AND json_type(common_mistakes) = 'array'),
    hint_levels          TEXT NOT NULL DEFAULT '[]'
                         CHECK (json_valid(hint_levels) AND json_type(hint_levels) = 'array'),
    vocabulary_support   TEXT NOT NULL DEFAULT '[]'
                         CHECK (json_valid(vocabulary_support) AND json_type(vocabulary_support) = 'array')
);
CREATE INDEX situation_variations_situation ON situation_variations(situation_id);

CREATE TABLE achievements (
    achievement_id       TEXT PRIMARY KEY CHECK (length(achievement_id) = 36),
    achievement_name     TEXT NOT NULL UNIQUE CHECK (length(achievement_name) BETWEEN 1 AND 100),
    achievement_category TEXT NOT NULL CHECK (length(achievement_category) BETWEEN 1 AND 50),
    title                TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    description          TEXT NOT NULL,
    requirements         TEXT NOT NULL CHECK (json_valid(requirements) AND json_type(requirements) = 'object'),
    points_reward        INTEGER NOT NULL DEFAULT 0 CHECK (points_reward >= 0),
    icon_url             TEXT CHECK (icon_url IS NULL OR length(icon_url) <= 500),
    badge_color          TEXT CHECK (badge_color IS NULL OR (length(badge_color) = 7 AND badge_color GLOB '#[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]')),
    rarity               TEXT NOT NULL DEFAULT 'common' CHECK (rarity IN ('common', 'rare', 'epic', 'legendary')),
    is_active            INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
);

-- ───────────────────────────── practice ─────────────────────────────

CREATE TABLE practice_sessions (
    session_id             TEXT PRIMARY KEY CHECK (length(session_id) = 36),
    user_id                TEXT NOT NULL REFERENCES users(user_id),
    situation_id           TEXT NOT NULL REFERENCES situations(situation_id),
    variation_id           TEXT NOT NULL REFERENCES situation_variations(variation_id),
    status                 TEXT NOT NULL CHECK (status IN ('in_progress', 'paused', 'completed', 'abandoned')),
    started_at             TEXT NOT NULL,
    ended_at               TEXT,
    total_duration_seconds INTEGER CHECK (total_duration_seconds IS NULL OR total_duration_seconds >= 0),
    -- Practice time before the current stretch, and when the current stretch began (NULL while paused).
    active_seconds         INTEGER NOT NULL DEFAULT 0 CHECK (active_seconds >= 0),
    resumed_at             TEXT,
    time_zone              TEXT NOT NULL,
    utc_offset_seconds     INTEGER NOT NULL CHECK (utc_offset_seconds BETWEEN -86400 AND 86400),
    local_day              TEXT,
    hints_used             INTEGER NOT NULL DEFAULT 0 CHECK (hints_used BETWEEN 0 AND 3),
    overall_score          INTEGER CHECK (overall_score BETWEEN 0 AND 100),
    pronunciation_score    INTEGER CHECK (pronunciation_score BETWEEN 0 AND 100),
    fluency_score          INTEGER CHECK (fluency_score BETWEEN 0 AND 100),
    appropriateness_score  INTEGER CHECK (appropriateness_score BETWEEN 0 AND 100),
    feedback               TEXT CHECK (feedback IS NULL OR json_valid(feedback)),
    user_difficulty_rating   INTEGER CHECK (user_difficulty_rating BETWEEN 1 AND 5),
    user_satisfaction_rating INTEGER CHECK (user_satisfaction_rating BETWEEN 1 AND 5),
    updated_at             TEXT NOT NULL,
    CHECK (status NOT IN ('completed') OR (ended_at IS NOT NULL AND overall_score IS NOT NULL AND local_day IS NOT NULL))
);
CREATE INDEX practice_sessions_user_time ON practice_sessions(user_id, started_at DESC);
CREATE INDEX practice_sessions_situation ON practice_sessions(situation_id, started_at);
CREATE INDEX practice_sessions_open ON practice_sessions(status) WHERE status IN ('in_progress', 'paused');
-- The "least recently practised variation" choice.
CREATE INDEX practice_sessions_variation ON practice_sessions(variation_id, started_at);

-- Aggregates of completed sessions that completing a session reads (streak days, achievement
-- counters), so that a completion costs the same after ten sessions or ten thousand. They are
-- maintained by the triggers below in the same transaction as the session row, whichever code
-- path (local completion or sync) writes it; a completed session never changes again.
-- 95 is rewards::PERFECT_SCORE_THRESHOLD (a unit test in progress.rs keeps the two equal).
CREATE TABLE practice_days (
    local_day TEXT PRIMARY KEY,
    sessions  INTEGER NOT NULL CHECK (sessions > 0)
) WITHOUT ROWID;

CREATE TABLE practice_situation_stats (
    situation_id TEXT PRIMARY KEY REFERENCES situations(situation_id),
    completed    INTEGER NOT NULL CHECK (completed > 0),
    perfect      INTEGER NOT NULL CHECK (perfect >= 0)
) WITHOUT ROWID;

CREATE TRIGGER practice_completed_insert AFTER INSERT ON practice_sessions
WHEN NEW.status = 'completed'
BEGIN
    INSERT INTO practice_days (local_day, sessions) VALUES (NEW.local_day, 1)
        ON CONFLICT (local_day) DO UPDATE SET sessions = sessions + 1;
    INSERT INTO practice_situation_stats (situation_id, completed, perfect)
        VALUES (NEW.situation_id, 1, NEW.overall_score >= 95)
        ON CONFLICT (situation_id) DO UPDATE SET completed = completed + 1, perfect = perfect + (NEW.overall_score >= 95);
END;

CREATE TRIGGER practice_completed_update AFTER UPDATE OF status ON practice_sessions
WHEN NEW.status = 'completed' AND OLD.status <> 'completed'
BEGIN
    INSERT INTO practice_days (local_day, sessions) VALUES (NEW.local_day, 1)
        ON CONFLICT (local_day) DO UPDATE SET sessions = sessions + 1;
    INSERT INTO practice_situation_stats (situation_id, completed, perfect)
        VALUES (NEW.situation_id, 1, NEW.overall_score >= 95)
        ON CONFLICT (situation_id) DO UPDATE SET completed = completed + 1, perfect = perfect + (NEW.overall_score >= 95);
END;

-- One line of a practice dialogue: the character's line or the learner's answer (with its score).
CREATE TABLE practice_turns (
    session_id TEXT NOT NULL REFERENCES practice_sessions(session_id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL CHECK (turn_index >= 0),
    speaker    TEXT NOT NULL CHECK (speaker IN ('character', 'learner')),
    text       TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    score      TEXT CHECK (score IS NULL OR json_valid(score)),
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, turn_index)
) WITHOUT ROWID;

-- ───────────────────────────── points ─────────────────────────────

-- The ledger. Balance, level and streak are derived from it; nothing stores a balance.
-- (rule, period_key) is the idempotency key of an award: the same award can never be written twice.
CREATE TABLE point_transactions (
    transaction_id      TEXT PRIMARY KEY CHECK (length(transaction_id) = 36),
    user_id             TEXT NOT NULL REFERENCES users(user_id),
    transaction_type    TEXT NOT NULL CHECK (transaction_type IN ('earned', 'spent', 'bonus', 'penalty')),
    points_amount       INTEGER NOT NULL CHECK (points_amount <> 0),
    source_type         TEXT NOT NULL CHECK (source_type IN ('daily_practice', 'perfect_score', 'streak_bonus',
                            'tutor_session', 'challenge_complete', 'referral', 'premium_purchase',
                            'admin_adjustment', 'achievement_unlock', 'streak_freeze')),
    source_reference_id TEXT CHECK (source_reference_id IS NULL OR length(source_reference_id) = 36),
    rule                TEXT,
    period_key          TEXT,
    description         TEXT CHECK (description IS NULL OR length(description) <= 500),
    created_at          TEXT NOT NULL,
    CHECK ((transaction_type IN ('earned', 'bonus') AND points_amount > 0) OR
           (transaction_type IN ('spent', 'penalty') AND points_amount < 0)),
    CHECK ((rule IS NULL) = (period_key IS NULL)),
    UNIQUE (rule, period_key)
);
CREATE INDEX point_transactions_user_time ON point_transactions(user_id, created_at DESC, transaction_id DESC);
-- The ledger's running totals, derived from its rows by the triggers below in the same transaction
-- as every insert or delete, so reading the balance does not cost a scan of the whole ledger.
-- No code writes this table.
CREATE TABLE point_totals (
    user_id   TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    earned    INTEGER NOT NULL CHECK (earned >= 0),
    used      INTEGER NOT NULL CHECK (used >= 0)
) WITHOUT ROWID;

CREATE TRIGGER point_totals_insert AFTER INSERT ON point_transactions
BEGIN
    INSERT INTO point_totals (user_id, available, earned, used)
        VALUES (NEW.user_id, NEW.points_amount, max(NEW.points_amount, 0), max(-NEW.points_amount, 0))
        ON CONFLICT (user_id) DO UPDATE SET available = available + NEW.points_amount,
            earned = earned + max(NEW.points_amount, 0), used = used + max(-NEW.points_amount, 0);
END;

CREATE TRIGGER point_totals_delete AFTER DELETE ON point_transactions
BEGIN
    UPDATE point_totals SET available = available - OLD.points_amount,
        earned = earned - max(OLD.points_amount, 0), used = used - max(-OLD.points_amount, 0)
    WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER point_transactions_immutable BEFORE UPDATE OF points_amount, user_id ON point_transactions
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are append-only');
END;

CREATE TABLE user_achievements (
    user_id        TEXT NOT NULL REFERENCES users(user_id),
    achievement_id TEXT NOT NULL REFERENCES achievements(achievement_id),
    progress       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(progress)),
    completed_at   TEXT,
    points_earned  INTEGER NOT NULL DEFAULT 0 CHECK (points_earned >= 0),
    is_pinned      INTEGER NOT NULL DEFAULT 0 CHECK (is_pinned IN (0, 1)),
    is_public      INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (user_id, achievement_id)
) WITHOUT ROWID;
CREATE INDEX user_achievements_completed ON user_achievements(user_id, completed_at DESC);

-- ───────────────────────────── chat ─────────────────────────────

CREATE TABLE chat_rooms (
    room_id            TEXT PRIMARY KEY CHECK (length(room_id) = 36),
    room_type          TEXT NOT NULL CHECK (room_type IN ('DIRECT', 'GROUP')),
    name               TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 255),
    description        TEXT CHECK (description IS NULL OR length(description) <= 2000),
    created_by_user_id TEXT REFERENCES users(user_id) ON DELETE SET NULL,
    -- For a DIRECT room, the two user ids sorted and joined by ':'; at most one direct room per pair.
    direct_key         TEXT UNIQUE,
    is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at         TEXT NOT NULL,
    CHECK ((room_type = 'DIRECT') = (direct_key IS NOT NULL))
);

CREATE TABLE chat_participants (
    room_id              TEXT NOT NULL REFERENCES chat_rooms(room_id) ON DELETE CASCADE,
    user_id              TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    role                 TEXT NOT NULL DEFAULT 'MEMBER' CHECK (role IN ('ADMIN', 'MEMBER')),
    joined_at            TEXT NOT NULL,
    -- Read marker: the sort_key of the newest message this participant has read (only moves forward).
    last_read_sort_key   INTEGER NOT NULL DEFAULT 0 CHECK (last_read_sort_key >= 0),
    last_read_message_id TEXT,
    is_active            INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX chat_participants_user_rooms ON chat_participants(user_id, is_active);

-- sort_key orders a room's timeline: the server's sequence once a message is sent or pulled,
-- and 2^53 + the change-log sequence while it is a local echo, so pending messages sort last.
CREATE TABLE chat_messages (
    message_id    TEXT PRIMARY KEY CHECK (length(message_id) = 36),
    room_id       TEXT NOT NULL REFERENCES chat_rooms(room_id) ON DELETE CASCADE,
    sender_id     TEXT NOT NULL REFERENCES users(user_id),
    message_type  TEXT NOT NULL DEFAULT 'TEXT' CHECK (message_type IN ('TEXT', 'IMAGE', 'VOICE', 'FILE', 'SYSTEM')),
    content       TEXT CHECK (content IS NULL OR length(content) <= 4000),
    file_url      TEXT CHECK (file_url IS NULL OR length(file_url) <= 2000),
    file_metadata TEXT CHECK (file_metadata IS NULL OR json_valid(file_metadata)),
    reply_to_id   TEXT CHECK (reply_to_id IS NULL OR length(reply_to_id) = 36),
    is_edited     INTEGER NOT NULL DEFAULT 0 CHECK (is_edited IN (0, 1)),
    edited_at     TEXT,
    is_deleted    INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
    deleted_at    TEXT,
    send_state    TEXT NOT NULL CHECK (send_state IN ('pending', 'sent', 'failed')),
    sort_key      INTEGER NOT NULL CHECK (sort_key > 0),
    created_at    TEXT NOT NULL,
    CHECK (message_type <> 'TEXT' OR is_deleted = 1 OR length(content) >= 1),
    CHECK (is_deleted = 0 OR content IS NULL)
);
-- Covers both the newest-first page and the unread count (sender and tombstone flag included).
CREATE INDEX chat_messages_room_order ON chat_messages(room_id, sort_key, sender_id, is_deleted);
CREATE INDEX chat_messages_reply ON chat_messages(reply_to_id) WHERE reply_to_id IS NOT NULL;

-- ───────────────────────────── change log ─────────────────────────────

-- Every local mutation appends one entry in the same transaction; the sync engine pushes them in seq order.
-- seq is the per-device sequence (the rowid: each entry appends to the end of the table). A number is
-- never reused because the newest entry is never deleted. change_id is a random UUID made per entry;
-- the server enforces its uniqueness, so no local index is spent on it.
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY,
    change_id  TEXT NOT NULL CHECK (length(change_id) = 36),
    entity     TEXT NOT NULL CHECK (entity IN ('profile', 'user_language', 'user_interest', 'onboarding',
                   'practice_session', 'point_transaction', 'user_achievement',
                   'chat_room', 'chat_participant', 'chat_message', 'read_marker')),
    entity_id  TEXT NOT NULL,
    operation  TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TEXT NOT NULL
);
