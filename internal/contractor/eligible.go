package contractor

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// CheckEligible decides whether a company may work at time at: it must be
// Active and hold, for each of the required document types, at least one
// document valid on that day. The error is a Conflict naming what is
// missing (code CONTRACTOR_NOT_ELIGIBLE), for permits to pass on.
func CheckEligible(c *Contractor, docs []Document, required []string, at time.Time) error {
	var problems []string
	if c.Status != StatusActive {
		problems = append(problems, "the contractor is "+c.Status)
	}
	for _, typ := range required {
		ok := slices.ContainsFunc(docs, func(d Document) bool { return d.Type == typ && d.Valid(at) })
		if !ok {
			problems = append(problems, "no valid "+typ+" document")
		}
	}
	if len(problems) == 0 {
		return nil
	}
	e := hse.Conflict("CONTRACTOR_NOT_ELIGIBLE", "%s is not eligible: %s", c.Name, strings.Join(problems, "; "))
	e.Details = map[string]any{"contractorId": c.ID, "problems": problems}
	return e
}

// CheckEligibleIn is CheckEligible on the stored company, inside the
// caller's transaction (a permit approval, for example), so the decision
// and the change it allows commit together.
func CheckEligibleIn(ctx context.Context, tx Reader, orgID, contractorID string, required []string, at time.Time) error {
	c, err := tx.FindContractor(ctx, orgID, contractorID, at)
	if err != nil {
		return err
	}
	docs, err := tx.FindContractorDocuments(ctx, orgID, contractorID)
	if err != nil {
		return err
	}
	return CheckEligible(c, docs, required, at)
}
