// Package events is the contract between the write side and the read side:
// event type names that never change once shipped, the envelope every event
// travels in, its codec, and the stream names. It imports nothing of ours.
package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// Type is an event's stable wire name, "<aggregate>.<what happened>.v<N>".
// A changed payload shape gets a new version; old names keep being readable.
type Type string

// Envelope is one event as stored in event_log and carried on a stream.
// Payload is the aggregate's full state after the change (state-carried), so
// a projector can apply "highest version wins" and never needs an earlier event.
type Envelope struct {
	ID            uuid.UUID       `json:"id"`
	Type          Type            `json:"type"`
	AggregateType string          `json:"aggregate_type"`
	AggregateID   uuid.UUID       `json:"aggregate_id"`
	Version       int64           `json:"version"` // the aggregate's version after the change
	Seq           int64           `json:"seq"`     // position in event_log; 0 until appended
	OccurredAt    time.Time       `json:"occurred_at"`
	Actor         string          `json:"actor"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	Payload       json.RawMessage `json:"payload"`
}

// ErrMalformed marks an entry that can never be decoded; retrying it is pointless.
var ErrMalformed = errors.New("malformed event")

// Encode returns the envelope's wire form.
func Encode(e Envelope) ([]byte, error) { return Marshal(e) }

// Marshal is json.Marshal without HTML escaping: what is stored and carried
// is read by programs, not pasted into pages, and escaping writes & < > in
// six bytes each (a URL full of & would take six times its length).
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// decoding is how Decode and DecodePayload read JSON: with the JSON v2
// decoder (github.com/go-json-experiment/json, the proposal behind Go's
// encoding/json/v2, already in the module graph through chromedp), set to
// read what encoding/json reads: names matched without regard to case,
// duplicate names allowed (the last wins), invalid UTF-8 read as U+FFFD.
// encoding/json validates a whole input before decoding it and, for the
// envelope, scans the payload once more to skip it: decoding an event and
// its state took about half of a worker's CPU; this decoder reads each byte
// once and allocates less, about 4× faster on a listing event
// (BenchmarkDecode; docs/ARCHITECTURE.md, "Workers").
var decoding = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// Decode parses and checks an envelope. Any problem wraps ErrMalformed.
func Decode(b []byte) (Envelope, error) {
	var e Envelope
	if err := jsonv2.Unmarshal(b, &e, decoding); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case e.ID == uuid.Nil:
		return Envelope{}, fmt.Errorf("%w: missing id", ErrMalformed)
	case e.Type == "":
		return Envelope{}, fmt.Errorf("%w: missing type", ErrMalformed)
	case e.AggregateID == uuid.Nil:
		return Envelope{}, fmt.Errorf("%w: missing aggregate_id", ErrMalformed)
	case e.Version <= 0:
		return Envelope{}, fmt.Errorf("%w: version must be > 0", ErrMalformed)
	case len(e.Payload) == 0:
		return Envelope{}, fmt.Errorf("%w: missing payload", ErrMalformed)
	}
	return e, nil
}

// DecodeJSON parses a document the platform wrote (a read model's state)
// into v as Decode does an envelope; v may name only the members it needs,
// the rest are skipped without being decoded.
func DecodeJSON(b []byte, v any) error {
	return jsonv2.Unmarshal(b, v, decoding)
}

// DecodePayload parses an envelope's payload into v, wrapping ErrMalformed.
func DecodePayload(e Envelope, v any) error {
	if err := jsonv2.Unmarshal(e.Payload, v, decoding); err != nil {
		return fmt.Errorf("%w: %s payload: %v", ErrMalformed, e.Type, err)
	}
	return nil
}

// New builds an envelope for a change of one aggregate. The payload is the
// aggregate's state after the change.
func New(t Type, aggregateType string, aggregateID uuid.UUID, version int64, state any, actor, correlationID string, at time.Time) (Envelope, error) {
	payload, err := Marshal(state)
	if err != nil {
		return Envelope{}, fmt.Errorf("encoding %s payload: %w", t, err)
	}
	return Envelope{
		ID:            uuid.Must(uuid.NewV7()),
		Type:          t,
		AggregateType: aggregateType,
		AggregateID:   aggregateID,
		Version:       version,
		OccurredAt:    at.UTC(),
		Actor:         actor,
		CorrelationID: correlationID,
		Payload:       payload,
	}, nil
}
