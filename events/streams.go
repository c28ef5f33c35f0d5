package events

// Aggregate types. Each has one stream; every worker replica reads it through
// the one consumer group, so an aggregate's events are spread over replicas
// and ordering between them does not matter (versions decide).
const (
	AggregateUser         = "user"
	AggregateListing      = "listing"
	AggregateOrder        = "order"
	AggregateFavorite     = "favorite"
	AggregateListingViews = "listing_views"
	AggregateViewHistory  = "view_history"
)

// Aggregates lists every aggregate type that has a stream.
var Aggregates = []string{AggregateUser, AggregateListing, AggregateOrder, AggregateFavorite,
	AggregateListingViews, AggregateViewHistory}

// ConsumerGroup is the one group the projectors share on every stream.
const ConsumerGroup = "projectors"

// Stream returns the stream name for an aggregate type under a key prefix
// (the prefix keeps environments and test packages apart on one Redis).
func Stream(prefix, aggregateType string) string { return prefix + "events:" + aggregateType }

// DeadLetterStream is where entries that can never be applied go, with the
// reason and the handler that failed (see `rentalctl dlq`).
func DeadLetterStream(prefix string) string { return prefix + "events:dead" }

// MetaMalformed is set on a stream message whose entry could not be decoded,
// with the reason; the worker sends such messages to the dead-letter stream.
const MetaMalformed = "malformed"
