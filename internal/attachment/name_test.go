package attachment

import (
	"strings"
	"testing"
)

func TestSafeFileName(t *testing.T) {
	pdf := allowed["application/pdf"]
	jpg := allowed["image/jpeg"]
	tests := []struct {
		name string
		t    Type
		want string
	}{
		{"report.pdf", pdf, "report.pdf"},
		{"Report.PDF", pdf, "Report.PDF"},
		{"../../etc/passwd.png", jpg, "passwd.png.jpg"},
		{`..\..\x.pdf`, pdf, "x.pdf"},
		{`C:\Users\me\Desktop\photo.jpeg`, jpg, "photo.jpeg"},
		{"a\x00b\r\nc\x1b[31m.pdf", pdf, "a_b__c_[31m.pdf"},
		{"invoice\u202egnp.pdf", pdf, "invoice_gnp.pdf"},
		{`we"ird<>:|?*;name.pdf`, pdf, "we_ird_______name.pdf"},
		{"..", pdf, "file.pdf"},
		{"", jpg, "file.jpg"},
		{" . .hidden.pdf", pdf, "hidden.pdf"},
		{"a..b.pdf", pdf, "a.b.pdf"},
		{"setup.exe", pdf, "setup.exe.pdf"},
		{"\xff\xfebad utf8.pdf", pdf, "bad utf8.pdf"},
	}
	for _, tt := range tests {
		if got := SafeFileName(tt.name, tt.t); got != tt.want {
			t.Errorf("SafeFileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	long := SafeFileName(strings.Repeat("é", 300)+".pdf", pdf)
	if len(long) > MaxNameBytes || !strings.HasSuffix(long, "é.pdf") {
		t.Errorf("long name cut to %q (%d bytes)", long, len(long))
	}
}
