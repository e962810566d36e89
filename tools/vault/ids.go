package vault

import "regexp"

// The id formats. Ids are opaque: never derived from a name, a slug or a
// file name, so that an object key, an audit entry or a log line that
// carries one names nobody. The content (tools/consent) refuses any other
// form in front matter, and the audit log refuses it in its fields.
var (
	// StoryIDPattern is story_id: "st-" and 4 to 32 lowercase letters or
	// digits ("st-7q2k9m").
	StoryIDPattern = regexp.MustCompile(`^st-[a-z0-9]{4,32}$`)
	// PersonIDPattern is a registry person id (storyteller.person,
	// media depicts): "p-" and 2 to 32 lowercase letters or digits.
	PersonIDPattern = regexp.MustCompile(`^p-[a-z0-9]{2,32}$`)
	// MediaIDPattern is a media id, the name of an original in media/:
	// "m-" and 2 to 32 lowercase letters or digits.
	MediaIDPattern = regexp.MustCompile(`^m-[a-z0-9]{2,32}$`)
	// RecordIDPattern is a consent record id (consent.record,
	// consent.guardian_record): "cr-" and 2 to 40 of a-z, 0-9 and '-'.
	RecordIDPattern = regexp.MustCompile(`^cr-[a-z0-9-]{2,40}$`)
	// SHA256Pattern is a digest as the audit log and object keys carry
	// it: 64 lowercase hex digits.
	SHA256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)
