package attachment

import (
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds a stored file name.
const MaxNameBytes = 150

// reservedRunes are refused in names on common file systems or are
// meaningful in headers and shells.
const reservedRunes = `<>:"/\|?*;` + "`$"

// SafeFileName turns a client's file name into one that is safe to store
// and to offer in Content-Disposition: directories (with / or \) and ".."
// are dropped, control, format (bidirectional overrides) and reserved
// characters become "_", the length is bounded, and the extension fits
// the sniffed type t (a name that claims another type gets t's). The
// result is only ever shown; storage keys never contain it.
func SafeFileName(name string, t Type) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), strings.ContainsRune(reservedRunes, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = b.String()
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	name = strings.Trim(name, " .")

	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if !slices.Contains(t.Exts, strings.ToLower(ext)) {
		// The name's own extension does not fit what the bytes are: keep
		// the whole name as the stem and add the type's extension, so that
		// nobody opens a PDF named "x.exe" with the wrong program.
		stem, ext = name, ""
		if len(t.Exts) > 0 {
			ext = t.Exts[0]
		}
	}
	stem = strings.Trim(stem, " .")
	if stem == "" {
		stem = "file"
	}
	if len(stem)+len(ext) > MaxNameBytes {
		stem = truncate(stem, MaxNameBytes-len(ext))
	}
	return stem + ext
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " .")
}
