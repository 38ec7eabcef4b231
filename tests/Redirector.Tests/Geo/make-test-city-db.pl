#!/usr/bin/perl
# Writes test-city.mmdb, a tiny database in the GeoIP2-City layout (the one MaxMind's GeoLite2-City and DB-IP's
# city files share), so the tests can read region and city without shipping a licensed database. The places are
# made up for the tests. Needs Debian's libmaxmind-db-writer-perl; the output is committed, so tests do not.
#   perl tests/Redirector.Tests/Geo/make-test-city-db.pl tests/Redirector.Tests/Geo/test-city.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my %types = (
    country      => 'map',
    iso_code     => 'utf8_string',
    names        => 'map',
    en           => 'utf8_string',
    de           => 'utf8_string',
    subdivisions => ['array', 'map'],
    city         => 'map',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 24,
    database_type         => 'Redirector-City-Test',
    languages             => ['en', 'de'],
    description           => { en => 'Redirector test data in the GeoIP2-City layout' },
    map_key_type_callback => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4    => 1,
    remove_reserved_networks => 0,
);

sub place {
    my ($country, $region, $city) = @_;
    my %record = (country => { iso_code => $country, names => { en => $country, de => $country } });
    $record{subdivisions} = [{ iso_code => substr($region, 0, 3), names => { en => $region, de => $region } }] if $region;
    $record{city} = { names => { en => $city, de => "$city (de)" } } if $city;
    return \%record;
}

$tree->insert_network('::81.2.69.0/120', place('GB', 'England', 'London'));
$tree->insert_network('::8.8.8.0/120', place('US'));
$tree->insert_network('2001:4860::/32', place('US', 'California', 'Mountain View'));

open my $out, '>:raw', $ARGV[0] // 'test-city.mmdb' or die "cannot write: $!";
$tree->write_tree($out);
close $out;
