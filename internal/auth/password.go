package auth

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/text/unicode/norm"

	"github.com/hsedigital/hse/internal/hse"
)

// Password length limits, in characters (Unicode code points after NFKC
// normalisation). NIST SP 800-63B asks for at least 8 and for accepting at
// least 64; 128 leaves room for passphrases while bounding hashing input.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// contextWords are blocked because users pick the name of the service they
// are signing up to (NIST SP 800-63B "context-specific words").
var contextWords = []string{"hsedigital", "hse digital", "hse-digital", "hsedigital1"}

// ValidatePassword applies the password policy of NIST SP 800-63B: a length
// between MinPasswordLength and MaxPasswordLength characters, not a common or
// breached password or a dictionary word, not the user's e-mail address or
// its local part, not one character repeated. There are deliberately no
// composition rules (digits, symbols, mixed case): they push users towards
// predictable patterns without adding strength.
//
// The error is an *hse.Error of kind Invalid naming the field "password".
func ValidatePassword(pw, email string) error {
	if !utf8.ValidString(pw) {
		return passwordInvalid("password must be valid UTF-8 text")
	}
	pw = normalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return passwordInvalid("password must be at least %d characters long", MinPasswordLength)
	case n > MaxPasswordLength:
		return passwordInvalid("password must be at most %d characters long", MaxPasswordLength)
	}
	lower := strings.ToLower(pw)
	if isOneRuneRepeated(lower) {
		return passwordInvalid("password must not be a single character repeated")
	}
	if matchesEmail(lower, email) {
		return passwordInvalid("password must not be your e-mail address or part of it")
	}
	if _, ok := commonPasswords()[lower]; ok {
		return passwordInvalid("this password is too common or easy to guess; a longer phrase of several words is a good choice")
	}
	return nil
}

func passwordInvalid(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return hse.Invalid(msg, hse.FieldError{Field: "password", Message: msg})
}

// normalizePassword maps equivalent spellings of the same characters (for
// example a precomposed "é" and "e" plus a combining accent) to one form, as
// NIST SP 800-63B recommends, so that a password typed on another keyboard
// still matches. Hashing and checking use it too.
func normalizePassword(pw string) string {
	return norm.NFKC.String(pw)
}

func isOneRuneRepeated(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// matchesEmail reports whether the lowercased password equals the e-mail
// address or its local part, the first thing an attacker who knows the
// address tries.
func matchesEmail(lowerPW, email string) bool {
	email = strings.ToLower(strings.TrimSpace(normalizePassword(email)))
	if email == "" {
		return false
	}
	if lowerPW == email {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && lowerPW == email[:at]
}

// commonPasswords is the block list: the 30,000 most common passwords from
// breach corpora, plus common English words, names and surnames, as shipped
// and ranked by the zxcvbn project. NIST SP 800-63B lists dictionary words
// beside breached passwords, and zxcvbn keeps each word only in the list
// where it ranks highest, so the word lists are needed to catch passwords
// such as "jennifer" or "basketball". Entries shorter than the minimum
// length are left out since the length rule rejects them anyway. It is
// built on first use to keep program start fast.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 45000)
	add := func(w string) {
		if utf8.RuneCountInString(w) >= MinPasswordLength {
			set[strings.ToLower(normalizePassword(w))] = struct{}{}
		}
	}
	for _, list := range frequency.FrequencyLists {
		for _, w := range list {
			add(w)
		}
	}
	for _, w := range contextWords {
		add(w)
	}
	return set
})
