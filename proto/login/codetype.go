package login

import "github.com/gotd/td/tg"

// How Telegram says it sent a login code (auth.sentCode's type) and how it
// would send the next one (next_type), by TL constructor id, in the words
// the login form shows ("sent via sms, 5 digits").
var (
	sentCodeVia = map[uint32]string{
		tg.AuthSentCodeTypeAppTypeID:         "app",
		tg.AuthSentCodeTypeSMSTypeID:         "sms",
		tg.AuthSentCodeTypeCallTypeID:        "call",
		tg.AuthSentCodeTypeFlashCallTypeID:   "flash call",
		tg.AuthSentCodeTypeMissedCallTypeID:  "missed call",
		tg.AuthSentCodeTypeEmailCodeTypeID:   "email",
		tg.AuthSentCodeTypeFragmentSMSTypeID: "fragment",
		tg.AuthSentCodeTypeFirebaseSMSTypeID: "sms",
		tg.AuthSentCodeTypeSMSWordTypeID:     "sms word",
		tg.AuthSentCodeTypeSMSPhraseTypeID:   "sms phrase",
	}
	nextCodeVia = map[uint32]string{
		tg.AuthCodeTypeSMSTypeID:         "sms",
		tg.AuthCodeTypeCallTypeID:        "call",
		tg.AuthCodeTypeFlashCallTypeID:   "flash call",
		tg.AuthCodeTypeMissedCallTypeID:  "missed call",
		tg.AuthCodeTypeFragmentSMSTypeID: "fragment",
	}
)

// sentCodeType is how a code was sent and, where the type says, how many
// digits it has; a type this table does not know is named by its TL name.
func sentCodeType(t tg.AuthSentCodeTypeClass) (via string, length int) {
	if t == nil {
		return "unknown", 0
	}
	via, ok := sentCodeVia[t.TypeID()]
	if !ok {
		return t.TypeName(), 0
	}
	if l, ok := t.(interface{ GetLength() int }); ok {
		length = l.GetLength()
	}
	return via, length
}

// codeTypeName is how the next code would be sent.
func codeTypeName(t tg.AuthCodeTypeClass) string {
	if via, ok := nextCodeVia[t.TypeID()]; ok {
		return via
	}
	return t.TypeName()
}
