package permit

import (
	"strings"
	"time"
)

// Keys of the starter types every organization gets.
const (
	KeyHotWork       = "hot_work"
	KeyConfinedSpace = "confined_space"
	KeyElectrical    = "electrical_isolation"
	KeyWorkAtHeight  = "work_at_height"
	KeyExcavation    = "excavation"
	KeyFuelDelivery  = "fuel_delivery_ust"
	KeyGeneral       = "general"
)

func limit(v float64) *float64 { return &v }

// Default gas limits: the atmosphere is safe for work when O₂ is within
// 19.5–23.5 % and LEL, H₂S and CO are below their limits (H₂S and CO at
// their 8-hour exposure limits).
var (
	GasO2  = Gas{Key: "O2", Label: "Oxygen", Unit: "%", Min: limit(19.5), Max: limit(23.5)}
	GasLEL = Gas{Key: "LEL", Label: "Flammable gas", Unit: "% LEL", Below: limit(10)}
	GasH2S = Gas{Key: "H2S", Label: "Hydrogen sulphide", Unit: "ppm", Below: limit(10)}
	GasCO  = Gas{Key: "CO", Label: "Carbon monoxide", Unit: "ppm", Below: limit(35)}
)

// Precautions shared by several fuel-station types.
var (
	pcEStop      = PrecautionDef{"dispenser_estop_isolated", "Dispenser emergency stop operated and the dispensers near the work isolated"}
	pcDrains     = PrecautionDef{"drains_sealed", "Drains and interceptor covers near the work sealed"}
	pcNoDelivery = PrecautionDef{"no_fuel_delivery", "No fuel deliveries during the work"}
	pcFireWatch  = PrecautionDef{"fire_watch", "Fire watch posted, during the work and after it"}
	pcExtinguish = PrecautionDef{"fire_extinguisher", "Fire extinguisher at the work place"}
	pcRescue     = PrecautionDef{"rescue_plan", "Rescue plan and standby person"}
)

// StarterTypes are the permit types of a fuel-station network, given to
// every organization at signup (and to existing ones by the migration
// that made types configurable, as version 1). Keys the earlier fixed
// table used (fire_extinguisher, gas_monitoring, lockout_tagout ...) are
// kept, so confirmations made before stay valid. Hazardous work is bounded
// by a shift (8 h for confined spaces, 12 h otherwise), low-risk work by a
// day; a gas test stands 4 h for approval and the atmosphere is tested
// again every 2 h (1 h inside a confined space) while the work goes on.
func StarterTypes() []TypeRule {
	h := time.Hour
	ins := []string{"insurance"}
	return []TypeRule{
		{Key: KeyHotWork, Version: 1, Type: "Hot Work", MaxDuration: 12 * h, MaxExtension: 12 * h, MaxExtensions: 2, MaxTotal: 24 * h,
			Precautions: []PrecautionDef{pcExtinguish, {"barricaded_area", "Work area barricaded"}, pcFireWatch, pcEStop, pcDrains, pcNoDelivery},
			Gases:       []Gas{GasO2, GasLEL, GasH2S, GasCO}, GasTestValidity: 4 * h, RetestInterval: 2 * h,
			Documents: ins, ClashesWith: []string{KeyConfinedSpace, KeyFuelDelivery}},
		{Key: KeyConfinedSpace, Version: 1, Type: "Confined Space / Tank Entry", MaxDuration: 8 * h, MaxExtension: 8 * h, MaxExtensions: 2, MaxTotal: 16 * h,
			Precautions: []PrecautionDef{{"gas_monitoring", "Continuous gas monitoring"}, {"ventilation", "Ventilation in place"}, pcRescue,
				{"tank_isolated", "Tank isolated: lines blanked, pumps locked out"}, {"tank_vented", "Tank emptied, vented and gas-freed"},
				{"ignition_sources_controlled", "Ignition sources removed, bonding and earthing in place"}, pcNoDelivery},
			Gases: []Gas{GasO2, GasLEL, GasH2S, GasCO}, GasTestValidity: 4 * h, RetestInterval: h,
			Documents: ins, ClashesWith: []string{KeyHotWork}},
		{Key: KeyElectrical, Version: 1, Type: "Electrical Isolation", MaxDuration: 12 * h, MaxExtension: 12 * h, MaxExtensions: 2, MaxTotal: 24 * h,
			Precautions: []PrecautionDef{{"lockout_tagout", "Lock-out / tag-out applied"}, {"voltage_proved_absent", "Absence of voltage proved"},
				{"insulated_tools", "Insulated tools"}, {"arc_flash_ppe", "Arc-flash PPE worn"}, pcEStop},
			Documents: []string{"insurance", "licence"}},
		{Key: KeyWorkAtHeight, Version: 1, Type: "Work at Height", MaxDuration: 12 * h, MaxExtension: 12 * h, MaxExtensions: 2, MaxTotal: 24 * h,
			Precautions: []PrecautionDef{{"fall_arrest", "Fall arrest equipment"}, {"scaffold_inspected", "Scaffold or ladder inspected"},
				{"tools_tethered", "Tools tethered"}, {"exclusion_zone", "Exclusion zone below the work"}},
			Documents: ins},
		{Key: KeyExcavation, Version: 1, Type: "Excavation", MaxDuration: 24 * h, MaxExtension: 24 * h, MaxExtensions: 2, MaxTotal: 72 * h,
			Precautions: []PrecautionDef{{"shoring", "Shoring or battering of the sides"},
				{"utilities_located", "Underground utilities, tanks and product lines located"}, {"access_egress", "Safe access and egress"},
				{"barriers", "Excavation barriered and lit"}},
			Documents: ins},
		{Key: KeyFuelDelivery, Version: 1, Type: "Fuel Delivery / UST Work", MaxDuration: 12 * h, MaxExtension: 12 * h, MaxExtensions: 2, MaxTotal: 24 * h,
			Precautions: []PrecautionDef{{"tanker_exclusion_zone", "Tanker exclusion zone set with cones and bollards"},
				{"spill_kit", "Spill kit at the fill point"}, pcEStop, pcDrains, pcExtinguish, {"ullage_checked", "Tank ullage checked against the delivery"}},
			Gases: []Gas{GasO2, GasLEL}, GasTestValidity: 4 * h, RetestInterval: 2 * h,
			Documents: ins, ClashesWith: []string{KeyHotWork}},
		{Key: KeyGeneral, Version: 1, Type: "General", MaxDuration: 24 * h, MaxExtension: 24 * h, MaxExtensions: 2, MaxTotal: 72 * h,
			Precautions: []PrecautionDef{{"risk_assessment", "Task risk assessment reviewed with the crew"},
				{"area_secured", "Work area secured from the public"}, {"ppe", "PPE for the task worn"}},
			Documents: ins},
	}
}

// legacyNames are the names of the earlier fixed table whose types became
// starter types under another name; a request naming one still finds the
// type, as long as the organization has the key.
var legacyNames = map[string]string{
	"confined space entry": KeyConfinedSpace,
	"tank cleaning":        KeyConfinedSpace,
	"electrical":           KeyElectrical,
}

// MatchType finds the type a request names among an organization's types:
// by key, by name (any case), or by a name of the earlier fixed table.
func MatchType(types []PermitType, name string) (PermitType, bool) {
	name = strings.TrimSpace(name)
	fold := strings.ToLower(name)
	for _, t := range types {
		if t.Key == name || strings.ToLower(t.Current.Type) == fold {
			return t, true
		}
	}
	if key, ok := legacyNames[fold]; ok {
		for _, t := range types {
			if t.Key == key {
				return t, true
			}
		}
	}
	return PermitType{}, false
}
