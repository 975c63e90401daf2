// Identifier systems of HL7 Denmark's dk-core (shared/DESIGN.md §3) and Sentinel's code systems.
// The code systems are served from each code set's home (api/fhir/conformance.py), so they are
// not authored here; the value sets include all of their codes.
Alias: $cpr = urn:oid:1.2.208.176.1.2
Alias: $sor = urn:oid:1.2.208.176.1.1
Alias: $ydernummer = urn:oid:1.2.208.176.1.4
Alias: $icpc2 = urn:oid:1.2.208.176.2.31
Alias: $sct = http://snomed.info/sct
Alias: $speciale = https://sentinel-data.dk/fhir/CodeSystem/speciale
Alias: $course-type = https://sentinel-data.dk/fhir/CodeSystem/course-type
Alias: $diagnosis-source = https://sentinel-data.dk/fhir/CodeSystem/diagnosis-source
Alias: $reason = https://sentinel-data.dk/fhir/CodeSystem/reason
Alias: $source-id = https://sentinel-data.dk/fhir/NamingSystem/source-id
Alias: $condition-ver-status = http://terminology.hl7.org/CodeSystem/condition-ver-status
Alias: $condition-clinical = http://terminology.hl7.org/CodeSystem/condition-clinical
Alias: $outcome-instrument = https://sentinel-data.dk/fhir/CodeSystem/outcome-instrument
Alias: $workflow-episodeOfCare = http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare
