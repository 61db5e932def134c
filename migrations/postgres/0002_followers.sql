-- Citizens who follow their opinion (migrations/sqlite/0013): an e-mail address or a phone number
-- left at submission, to be told when the opinion is registered, replied to, closed or rejected.
-- Private: no view, feed, Open311 answer or webhook reads this table. Notices go through the outbox
-- as rows of kind 'notice' whose target is the follower's id. Times are UTC RFC 3339 text with
-- milliseconds and a Z, as the outbox's.

CREATE TABLE opinion_followers (
    id          BIGSERIAL PRIMARY KEY,
    opinion_id  BIGINT NOT NULL REFERENCES opinions (id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    -- an e-mail address or a phone number (digits, a leading + allowed)
    address     TEXT NOT NULL,
    -- the language notices are written in
    lang        TEXT NOT NULL CHECK (lang IN ('zh-CN', 'en')),
    -- 32 random hex digits in every notice's unsubscribe link, shared by the addresses one
    -- submission left
    token       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    -- set when the citizen unsubscribed; no notice is queued or sent after it
    stopped_at  TEXT,
    UNIQUE (opinion_id, channel)
);

CREATE INDEX opinion_followers_token ON opinion_followers (token);
