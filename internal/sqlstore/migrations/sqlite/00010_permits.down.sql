DROP TABLE permit_events;
DROP TABLE permit_extensions;
DROP TABLE permit_gas_tests;
DROP TABLE permit_precautions;
DROP TABLE permits;
