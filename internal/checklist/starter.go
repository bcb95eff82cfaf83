package checklist

import "encoding/json"

// Starter is a template every new organization gets, published.
type Starter struct {
	Name        string
	Kind        string // audit, inspection or daily_checklist
	Description string
	Definition  Definition
}

// pf is a weighted pass/fail/N-A item.
func pf(key, label string, weight float64, guidance string) Item {
	return Item{Key: key, Label: label, Type: PassFailNA, Weight: weight, Required: true, Guidance: guidance, RequirePhotoOrNoteOnFail: true}
}

// critical marks an item critical: its failure fails the whole audit.
func critical(it Item) Item { it.Critical = true; return it }

// when makes an item visible only when an earlier item has a value.
func when(it Item, key string, equals string) Item {
	v, _ := json.Marshal(equals)
	it.VisibleWhen = &Condition{ItemKey: key, Equals: v}
	return it
}

func yn(key, label string, weight float64, guidance string) Item {
	return Item{Key: key, Label: label, Type: YesNo, Weight: weight, Required: true, Guidance: guidance, RequirePhotoOrNoteOnFail: true}
}

func float(f float64) *float64 { return &f }

// Starters returns the starter templates: a monthly HSE inspection for
// fuel stations and a quarterly compliance audit. Most violations at fuel
// sites are paperwork and inspection lapses rather than leaks, so both
// weigh records as heavily as hardware.
func Starters() []Starter {
	return []Starter{monthlyInspection(), quarterlyAudit()}
}

func monthlyInspection() Starter {
	return Starter{
		Name: "Monthly HSE Inspection — Fuel Station", Kind: "inspection",
		Description: "A walk of the forecourt, shop and back-of-house: emergency equipment, fuel handling, housekeeping and signage.",
		Definition: Definition{PassMark: float(80), Sections: []Section{
			{Title: "Emergency equipment", Items: []Item{
				critical(pf("emergency_stop", "Emergency stop buttons are labelled, unobstructed and were tested this month", 3,
					"Press-test each forecourt emergency stop with the dispensers idle; record the test in the site log.")),
				critical(pf("fire_extinguishers", "Fire extinguishers are in place, charged and within their service date", 3,
					"Check the gauge, tamper seal and service label of every extinguisher on the forecourt, shop and tank area.")),
				pf("fire_extinguisher_count", "The number and type of extinguishers match the site fire plan", 1, ""),
				pf("spill_kit", "Spill kit is complete and stocked (absorbents, drain covers, bags, PPE)", 2,
					"Compare the contents with the kit's inventory card; restock anything used."),
				pf("first_aid", "First-aid kit is stocked and in date", 1, ""),
			}},
			{Title: "Forecourt and fuel handling", Items: []Item{
				pf("dispensers_hoses", "Dispensers, hoses, nozzles and breakaway couplings show no damage or leaks", 2,
					"Look for cracked hoses, weeping joints, missing nozzle guards and stains under dispensers."),
				pf("fill_point_caps", "Fill-point caps are closed and locked; spill buckets are clean and dry", 2, ""),
				pf("manifest_box", "Manifest box and fill-point colour coding are in order", 1, ""),
				pf("vent_pipes", "Vent pipes are intact, capped and clear of obstructions", 1, ""),
				pf("bollards", "Impact bollards around dispensers and fill points are intact", 1, ""),
				yn("delivery_during_inspection", "Was a tanker delivery in progress during the inspection?", 0, ""),
				when(critical(pf("tanker_exclusion_zone", "Tanker exclusion zone was coned off and kept clear during the delivery", 2,
					"Cones and signs around the tanker and fill points; no vehicles or public inside the zone.")), "delivery_during_inspection", "yes"),
				{Key: "forecourt_housekeeping", Label: "Forecourt housekeeping (litter, spills, trip hazards)", Type: Rating, Weight: 2, Required: true,
					Guidance: "1 = unsafe, 3 = acceptable, 5 = exemplary.", RequirePhotoOrNoteOnFail: true},
			}},
			{Title: "Environment and waste", Items: []Item{
				pf("interceptor", "Oil/water interceptor was inspected and emptied as scheduled; alarm works", 2, ""),
				pf("waste_segregation", "Hazardous waste (oily rags, absorbents) is segregated and labelled", 1, ""),
				pf("drains", "Forecourt drains are clear and drain covers are available", 1, ""),
			}},
			{Title: "Electrical and signage", Items: []Item{
				pf("electrical_panels", "Electrical panels are closed, labelled and free of storage in front", 2, ""),
				pf("signage", "No smoking, switch off engine and no mobile phone signs are displayed and legible", 1, ""),
				pf("ppe", "Staff wear the required PPE; spare PPE is available", 1, ""),
			}},
			{Title: "Sign-off", Items: []Item{
				{Key: "inspector_notes", Label: "General observations", Type: Text},
				{Key: "site_photo", Label: "Photo of the forecourt", Type: Photo},
				{Key: "inspector_signature", Label: "Inspector's signature", Type: Signature, Required: true},
			}},
		}},
	}
}

func quarterlyAudit() Starter {
	return Starter{
		Name: "Quarterly Compliance Audit", Kind: "audit",
		Description: "Records, permits, training and leak-detection evidence a regulator asks for, plus the safety-critical hardware.",
		Definition: Definition{PassMark: float(85), Sections: []Section{
			{Title: "Permits and licences", Items: []Item{
				critical(pf("operating_licence", "Operating and petroleum storage licences are on display and in date", 3,
					"Check the expiry dates against today; an expired licence means the site must not dispense.")),
				pf("insurance_certificate", "Insurance certificate is current and available on site", 1, ""),
				pf("work_permits", "Work on site this quarter was covered by permits to work, closed out properly", 2, ""),
			}},
			{Title: "Tank and leak detection records", Items: []Item{
				critical(pf("tank_gauging_records", "Tank gauging and wetstock reconciliation records are complete for the quarter", 3,
					"Daily dips or ATG readings reconciled against sales; investigate unexplained losses.")),
				pf("release_detection", "Release detection (ATG, interstitial monitoring) was tested and passed", 3, ""),
				pf("overfill_protection", "Overfill protection devices were inspected and work", 2, ""),
				{Key: "wetstock_variance", Label: "Largest monthly wetstock variance this quarter (% of throughput)", Type: Number,
					Min: float(-100), Max: float(100), Guidance: "Anything beyond ±0.5 % needs an investigation."},
				pf("cathodic_protection", "Cathodic protection was tested where fitted", 1, ""),
			}},
			{Title: "People and training", Items: []Item{
				pf("operator_training", "Operator training records are complete and refreshers are in date", 2, ""),
				pf("emergency_drill", "An emergency drill was held and recorded this quarter", 2, ""),
				yn("lpg_on_site", "Is LPG stored or decanted on site?", 0, ""),
				when(pf("lpg_storage", "LPG cylinders are stored in a ventilated, locked cage away from drains and ignition sources", 2, ""), "lpg_on_site", "yes"),
				when(pf("lpg_decanting_training", "Staff who decant LPG are trained and authorised", 1, ""), "lpg_on_site", "yes"),
			}},
			{Title: "Overall condition", Items: []Item{
				{Key: "site_condition", Label: "Overall site condition and housekeeping", Type: Rating, Weight: 2, Required: true,
					Guidance: "1 = unsafe, 3 = acceptable, 5 = exemplary.", RequirePhotoOrNoteOnFail: true},
				{Key: "site_risk", Label: "Auditor's view of the site's risk", Type: Choice, Options: []string{"Low", "Medium", "High", "Critical"}, Required: true},
				{Key: "next_review", Label: "Date of the follow-up review", Type: Date},
				{Key: "auditor_signature", Label: "Auditor's signature", Type: Signature, Required: true},
			}},
		}},
	}
}
