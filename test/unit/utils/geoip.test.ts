import { describe, expect, it } from "vitest";
import { asnRecordOf, cityRecordOf } from "../../../src/utils/geoip.js";

/** A GeoLite2-City record as maxmind returns it (fields trimmed to what we read). */
const geolite2 = {
  city: { geoname_id: 658225, names: { en: "Helsinki", de: "Helsinki" } },
  continent: { code: "EU", geoname_id: 6255148, names: { en: "Europe" } },
  country: {
    geoname_id: 660013,
    is_in_european_union: true,
    iso_code: "FI",
    names: { en: "Finland" },
  },
  location: {
    accuracy_radius: 20,
    latitude: 60.1797,
    longitude: 24.9344,
    time_zone: "Europe/Helsinki",
  },
  postal: { code: "00100" },
  registered_country: { iso_code: "DE", names: { en: "Germany" } },
  subdivisions: [{ iso_code: "18", names: { en: "Uusimaa" } }],
};

describe("cityRecordOf", () => {
  it("reads a GeoLite2-City record", () => {
    expect(cityRecordOf(geolite2)).toEqual({
      country: "FI",
      countryName: "Finland",
      continent: "EU",
      continentName: "Europe",
      isEu: true,
      region: "Uusimaa",
      city: "Helsinki",
      postalCode: "00100",
      lat: 60.1797,
      lon: 24.9344,
      accuracyKm: 20,
      timezone: "Europe/Helsinki",
      geonameId: 658225,
    });
  });

  it("falls back to the registered country when the location has none", () => {
    const { country: _c, city: _city, subdivisions: _s, ...rest } = geolite2;
    expect(cityRecordOf({ ...rest, location: undefined })).toEqual({
      country: "DE",
      continent: "EU",
      continentName: "Europe",
      postalCode: "00100",
    });
  });

  it("reads an ip-location-db (DB-IP) record, empty strings as absent", () => {
    const dbip = {
      city: "Mountain View",
      country_code: "US",
      latitude: 37.422000885009766,
      longitude: -122.08499908447266,
      postcode: "",
      state1: "California",
      state2: "",
      timezone: "",
    };
    expect(cityRecordOf(dbip)).toEqual({
      country: "US",
      region: "California",
      city: "Mountain View",
      lat: 37.422000885009766,
      lon: -122.08499908447266,
    });
  });

  it("ignores what is not a record or has wrong types", () => {
    expect(cityRecordOf(null)).toBeNull();
    expect(cityRecordOf("US")).toBeNull();
    expect(cityRecordOf({ country: { iso_code: 3 }, location: { latitude: "60" } })).toEqual({});
  });
});

describe("asnRecordOf (GeoLite2-ASN)", () => {
  const google = { autonomous_system_number: 15169, autonomous_system_organization: "GOOGLE" };
  it("turns the prefix length into the CIDR around the address", () => {
    expect(asnRecordOf(google, "8.8.8.8", 24)).toEqual({
      asn: 15169,
      org: "GOOGLE",
      network: "8.8.8.0/24",
    });
    expect(asnRecordOf(google, "2001:4860:4860::8888", 36)).toEqual({
      asn: 15169,
      org: "GOOGLE",
      network: "2001:4860:4000::/36",
    });
    expect(asnRecordOf({ autonomous_system_number: 64500 }, "192.0.2.77", 32)).toEqual({
      asn: 64500,
      network: "192.0.2.77/32",
    });
  });

  it("null without an AS number", () => {
    expect(asnRecordOf({ autonomous_system_organization: "X" }, "8.8.8.8", 24)).toBeNull();
    expect(asnRecordOf(null, "8.8.8.8", 0)).toBeNull();
  });
});
