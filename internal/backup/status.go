package backup

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// attemptFile records the outcome of the last backup attempt, so that a
// failing schedule shows even while older backups exist.
const attemptFile = ".last-attempt.json"

// Attempt is the outcome of one backup attempt.
type Attempt struct {
	At    time.Time `json:"at"`
	OK    bool      `json:"ok"`
	Name  string    `json:"name,omitempty"`
	Error string    `json:"error,omitempty"`
}

// RecordAttempt stores the outcome of a backup attempt in dir.
func RecordAttempt(dir string, a Attempt) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	b, _ := json.Marshal(a)
	tmp := filepath.Join(dir, attemptFile+".partial")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, attemptFile))
}

func lastAttempt(dir string) (*Attempt, error) {
	b, err := os.ReadFile(filepath.Join(dir, attemptFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var a Attempt
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Health statuses.
const (
	StatusOK      = "ok"
	StatusStale   = "stale"
	StatusFailing = "failing"
)

// Health is what GET /api/backup/health reports.
type Health struct {
	Status           string         `json:"status" enum:"ok,stale,failing"`
	LastSuccessAt    *time.Time     `json:"lastSuccessAt,omitempty"`
	AgeSeconds       *float64       `json:"ageSeconds,omitempty"`
	LastName         string         `json:"lastBackup,omitempty"`
	LastSizeBytes    int64          `json:"lastSizeBytes"`
	LastVerification *Verification  `json:"lastVerification,omitempty"`
	LastAttempt      *Attempt       `json:"lastAttempt,omitempty"`
	Count            int            `json:"count"`
	Classes          map[string]int `json:"retentionClasses"`
	RPOSeconds       float64        `json:"rpoSeconds"`
	Reason           string         `json:"reason,omitempty"`
}

// Check reports the state of the backups in dir: failing when the last
// attempt or the newest backup's verification failed, stale when the newest
// backup is older than the RPO (or there is none), ok otherwise.
func Check(dir string, r Retention, rpo time.Duration, now time.Time) (*Health, error) {
	bs, err := List(dir)
	if err != nil {
		return nil, err
	}
	a, err := lastAttempt(dir)
	if err != nil {
		return nil, err
	}
	return health(bs, a, r, rpo, now), nil
}

// health judges backups bs (newest first) and the last attempt.
func health(bs []Metadata, attempt *Attempt, r Retention, rpo time.Duration, now time.Time) *Health {
	h := &Health{Status: StatusOK, Count: len(bs), Classes: map[string]int{"daily": 0, "weekly": 0, "monthly": 0}, RPOSeconds: rpo.Seconds()}
	for _, cs := range r.Classes(bs) {
		for _, c := range cs {
			h.Classes[c]++
		}
	}
	h.LastAttempt = attempt
	if len(bs) > 0 {
		newest := bs[0]
		at := newest.CreatedAt
		age := now.Sub(at).Seconds()
		h.LastSuccessAt, h.AgeSeconds, h.LastName, h.LastSizeBytes, h.LastVerification = &at, &age, newest.Name, newest.SizeBytes, newest.Verification
	}
	switch {
	case h.LastAttempt != nil && !h.LastAttempt.OK && (h.LastSuccessAt == nil || h.LastAttempt.At.After(*h.LastSuccessAt)):
		h.Status, h.Reason = StatusFailing, "the last backup attempt failed: "+h.LastAttempt.Error
	case h.LastVerification != nil && !h.LastVerification.OK:
		h.Status, h.Reason = StatusFailing, "the newest backup failed verification: "+h.LastVerification.Error
	case h.LastSuccessAt == nil:
		h.Status, h.Reason = StatusStale, "there is no backup"
	case now.Sub(*h.LastSuccessAt) > rpo:
		h.Status, h.Reason = StatusStale, "the newest backup is older than the RPO"
	}
	return h
}
