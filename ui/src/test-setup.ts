// Adds DOM matchers such as toBeInTheDocument to Vitest's expect.
import "@testing-library/jest-dom/vitest";
