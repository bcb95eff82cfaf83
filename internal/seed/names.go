package seed

// The vocabulary of the demo data: fuel-station brands, regions with a
// centre to scatter coordinates around, towns, people and contractor
// trades, so that lists, filters and searches look like a real network.

var orgNames = []string{"Northwind Fuels", "Harbour Energy", "Summit Petroleum", "Meridian Retail Fuels", "Crestline Oil", "Bluewater Forecourts"}

var brands = []string{"Shell", "BP", "Esso", "Texaco", "Jet", "Gulf", "TotalEnergies", "Valero"}

type region struct {
	name     string
	lat, lon float64
	towns    []string
}

var regions = []region{
	{"North West", 53.48, -2.24, []string{"Manchester", "Bolton", "Preston", "Wigan", "Warrington", "Stockport", "Blackburn", "Chester"}},
	{"North East", 54.97, -1.61, []string{"Newcastle", "Sunderland", "Durham", "Gateshead", "Middlesbrough", "Hartlepool"}},
	{"Yorkshire", 53.80, -1.55, []string{"Leeds", "Sheffield", "Bradford", "York", "Hull", "Wakefield", "Doncaster", "Harrogate"}},
	{"Midlands", 52.49, -1.89, []string{"Birmingham", "Coventry", "Leicester", "Nottingham", "Derby", "Wolverhampton", "Stoke", "Walsall"}},
	{"East Anglia", 52.63, 1.30, []string{"Norwich", "Ipswich", "Cambridge", "Peterborough", "Colchester", "King's Lynn"}},
	{"London", 51.51, -0.13, []string{"Croydon", "Ealing", "Barnet", "Enfield", "Hounslow", "Bromley", "Romford", "Wembley"}},
	{"South East", 51.27, 0.52, []string{"Maidstone", "Brighton", "Guildford", "Reading", "Canterbury", "Crawley", "Ashford"}},
	{"South West", 51.45, -2.59, []string{"Bristol", "Exeter", "Plymouth", "Bath", "Swindon", "Taunton", "Gloucester"}},
	{"Wales", 51.48, -3.18, []string{"Cardiff", "Swansea", "Newport", "Wrexham", "Bridgend", "Llanelli"}},
	{"Scotland", 55.86, -4.25, []string{"Glasgow", "Edinburgh", "Aberdeen", "Dundee", "Inverness", "Stirling", "Perth"}},
}

var siteKinds = []string{"Service Station", "Forecourt", "Express", "Truck Stop", "Motorway Services", "Filling Station"}

var streets = []string{"High Street", "Station Road", "London Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road",
	"Manchester Road", "Ring Road", "Bypass", "Queensway", "Kings Road", "Industrial Estate", "Retail Park"}

var firstNames = []string{"Amira", "Ben", "Chloe", "Daniel", "Eilidh", "Farid", "Grace", "Hassan", "Isla", "Jack", "Kavya", "Liam",
	"Maya", "Noah", "Olivia", "Priya", "Rhys", "Sofia", "Tom", "Uma", "Viktor", "Wen", "Yusuf", "Zara"}

var lastNames = []string{"Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Khan",
	"Lewis", "Murphy", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Taylor", "Walsh", "Wright", "Young"}

var trades = []struct{ name, specialization string }{
	{"Apex Tank Services", "Tank cleaning and inspection"},
	{"Brightline Electrical", "Hazardous-area electrical work"},
	{"Certus Fire Protection", "Fire extinguishers and suppression"},
	{"Delta Pump Engineering", "Fuel dispenser maintenance"},
	{"EnviroClean Waste", "Interceptor and waste removal"},
	{"Forecourt Civils", "Civil works and resurfacing"},
	{"Guardian Gas Detection", "Vapour and gas detection"},
	{"Highway Signs", "Signage and canopy lighting"},
	{"Ironclad Pipework", "Pipework and leak testing"},
	{"Jetwash Systems", "Car wash maintenance"},
}

var cancelReasons = []string{"Station closed for refurbishment", "Auditor unavailable; rescheduled", "Duplicate booking",
	"Site access refused during a fuel delivery", "Merged into the quarterly compliance audit"}

var observations = []string{"Found during the walk-round; photographed and reported to the site manager.",
	"Not compliant on the day of the audit; the site manager was informed.", "Repeat observation from the previous audit.",
	"Staff could not show the record when asked.", "Temporary fix in place; permanent repair needed."}
