package localdc

import (
	"time"
)

// MTProto bad_msg_notification error codes
// (https://core.telegram.org/mtproto/service_messages_about_messages).
// 32 and 33 (seqno too low or high) and 34 (odd seqno on a service
// message) are never sent: see the leniency table in doc.go.
const (
	badMsgIDTooLow      = 16
	badMsgIDTooHigh     = 17
	badMsgIDLowBits     = 18
	badMsgIDDuplicate   = 19 // container msg_id equal to an earlier one
	badMsgIDTooOld      = 20
	badSeqNoOddExpected = 35 // even seqno on an API call
	badServerSalt       = 48
	badContainer        = 64
)

// Window of acceptable client msg_id times around the server clock.
const (
	msgIDMaxPast   = 300 * time.Second
	msgIDMaxFuture = 30 * time.Second
)

// recentMsgIDs is how many client msg_ids a session remembers to refuse
// replays, as tdlib does on the client side.
const recentMsgIDs = 1000

// session is the server's view of one MTProto session (key + session_id).
type session struct {
	id       int64
	lastUsed time.Time
	// seen is a ring of the most recent client msg_ids.
	seen    []int64
	next    int
	full    bool
	created bool  // new_session_created has been sent
	outSeq  int32 // content-related messages sent to the client
}

// lowest returns the smallest remembered msg_id, or 0 when the ring is not
// yet full (then nothing is "too old").
func (s *session) lowest() int64 {
	if !s.full {
		return 0
	}
	low := s.seen[0]
	for _, id := range s.seen {
		if id < low {
			low = id
		}
	}
	return low
}

func (s *session) has(id int64) bool {
	for _, v := range s.seen {
		if v == id {
			return true
		}
	}
	return false
}

func (s *session) remember(id int64) {
	if s.seen == nil {
		s.seen = make([]int64, 0, recentMsgIDs)
	}
	if len(s.seen) < recentMsgIDs {
		s.seen = append(s.seen, id)
		s.full = len(s.seen) == recentMsgIDs
		return
	}
	s.seen[s.next] = id
	s.next = (s.next + 1) % recentMsgIDs
}

// nextSeq returns the seq_no of the next server message.
func (s *session) nextSeq(contentRelated bool) int32 {
	if contentRelated {
		s.outSeq++
		return s.outSeq*2 - 1
	}
	return s.outSeq * 2
}

// checkMsgID applies the server's msg_id rules to a client message. It
// returns a bad_msg_notification code, 0 when the id is fine, or -1 for a
// duplicate that must be ignored silently.
func (s *session) checkMsgID(id int64, now time.Time) int {
	if id%4 != 0 {
		return badMsgIDLowBits
	}
	at := time.Unix(id>>32, 0)
	if at.Before(now.Add(-msgIDMaxPast)) {
		return badMsgIDTooLow
	}
	if at.After(now.Add(msgIDMaxFuture)) {
		return badMsgIDTooHigh
	}
	if s.has(id) {
		return -1
	}
	if low := s.lowest(); low != 0 && id < low {
		return badMsgIDTooOld
	}
	return 0
}
